/*
 * Reference firmware of the HiMoE EDA + ECG + PPG sensor: the timer ISR samples EDA (32 Hz) and
 * ECG (250 Hz) on the ADC, the main loop polls the MAX30102 (100 Hz), packs samples into data
 * frames (himoe_frame codec) and writes them to the UART. Host commands: 'S' start (sends a
 * 0x00 and every descriptor; while streaming, only re-announces the descriptors at once, for a
 * host that reconnected), 'X' stop. Descriptors are repeated every second.
 */
#ifndef HIMOE_FIRMWARE_H
#define HIMOE_FIRMWARE_H

void fw_setup(void);
void fw_loop(void);
/* Called by the board's timer interrupt at BOARD_TICK_HZ. */
void fw_timer_isr(void);

#endif
