/*
 * Hardware abstraction of the reference sensor firmware: everything firmware.c needs from the
 * microcontroller. board_avr.c implements it for an ATmega328P (Arduino Uno/Nano class);
 * native/test/board_host.c implements it on the host with simulated sensors for the tests.
 */
#ifndef HIMOE_BOARD_H
#define HIMOE_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* ADC inputs (Arduino pins A0, A1) and ADC resolution used by the descriptors. */
#define BOARD_ADC_EDA 0u
#define BOARD_ADC_ECG 1u

void board_init(void);
/* Start a periodic timer interrupt at BOARD_TICK_HZ that calls fw_timer_isr(). */
#define BOARD_TICK_HZ 1000u
void board_timer_start(void);
/* Blocking single conversion; a value in 0..(2^BOARD_ADC_BITS - 1). Called from the timer ISR. */
uint16_t board_adc_read(uint8_t channel);
/* Free-running microseconds (wraps at 2^32). Safe to call from the ISR and the main loop. */
uint32_t board_micros(void);
/* AD8232 lead-off comparators (LO+ / LO- pins): nonzero when an electrode is off. */
uint8_t board_ecg_leads_off(void);
/* UART (115200 8N1): write all bytes (may block); read one byte or -1. */
void board_uart_write(const uint8_t *bytes, size_t n);
int board_uart_read(void);
/* I2C master: 0 on success, -1 on a bus error or NACK. */
int board_i2c_write_reg(uint8_t addr7, uint8_t reg, uint8_t value);
int board_i2c_read_regs(uint8_t addr7, uint8_t reg, uint8_t *buf, size_t n);
/* Interrupt masking around data shared with the ISR. */
void board_irq_disable(void);
void board_irq_enable(void);

#endif
