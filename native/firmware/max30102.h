/*
 * Minimal MAX30102 pulse-oximeter driver (I2C address 0x57), written from the Maxim datasheet
 * register map: SpO2 mode (red + IR), 100 samples/s, 411 us pulses (18-bit), FIFO read-out.
 */
#ifndef HIMOE_MAX30102_H
#define HIMOE_MAX30102_H

#include <stdint.h>

#define MAX30102_ADDR 0x57u
#define MAX30102_RATE_HZ 100u

/* Reset and configure; 0 on success, -1 when the part does not answer or is not a MAX30102. */
int max30102_init(void);
/*
 * Read up to max_samples (red, IR) pairs from the FIFO into red[]/ir[] (18-bit counts).
 * Returns the number read (0 when empty), or -1 on a bus error. *overflowed is set to the
 * number of samples the FIFO dropped since the last read.
 */
int max30102_read_fifo(int32_t *red, int32_t *ir, uint8_t max_samples, uint8_t *overflowed);

#endif
