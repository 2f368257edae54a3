/*
 * board.h on the host, for tests: simulated time, ADC waveforms, AD8232 lead-off, a MAX30102
 * register file with a 100 Hz FIFO, and the UART going to stdout / coming from a script.
 * host_firmware.c drives fw_timer_isr() and fw_loop() with it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../firmware/board.h"
#include "board_host.h"

static uint32_t now_us;
static const char *uart_script = "";
static size_t uart_pos;
static uint32_t lead_off_from_us = UINT32_MAX, lead_off_to_us;
static int ppg_fail;

/* Fake MAX30102: registers and a FIFO that fills at 100 Hz from the configured mode on. */
static uint8_t regs[256];
static uint32_t ppg_samples_made;  /* samples produced since mode set */
static uint32_t ppg_samples_read;
static uint32_t ppg_mode_since_us;
static int ppg_running;

void host_set_time_us(uint32_t t) {
  now_us = t;
}
void host_set_uart_script(const char *script) {
  uart_script = script;
  uart_pos = 0;
}
void host_set_lead_off(uint32_t from_us, uint32_t to_us) {
  lead_off_from_us = from_us;
  lead_off_to_us = to_us;
}
void host_set_ppg_fail(int fail) {
  ppg_fail = fail;
}

void board_init(void) {
  memset(regs, 0, sizeof regs);
  regs[0xFF] = 0x15;
}
void board_timer_start(void) {}

uint16_t board_adc_read(uint8_t channel) {
  double t = now_us / 1e6;
  double v = channel == BOARD_ADC_ECG ? 2048 + 600 * sin(2 * M_PI * 1.2 * t) : 1200 + 200 * sin(2 * M_PI * 0.05 * t);
  return (uint16_t)lround(v);
}

uint32_t board_micros(void) {
  return now_us;
}

uint8_t board_ecg_leads_off(void) {
  return now_us >= lead_off_from_us && now_us < lead_off_to_us;
}

void board_uart_write(const uint8_t *bytes, size_t n) {
  fwrite(bytes, 1, n, stdout);
}

int board_uart_read(void) {
  if (uart_script[uart_pos] == '\0') return -1;
  return (unsigned char)uart_script[uart_pos++];
}

static void ppg_advance(void) {
  if (!ppg_running) return;
  uint32_t made = (now_us - ppg_mode_since_us) / 10000u;
  ppg_samples_made = made;
}

static uint32_t ppg_value(uint32_t k, int ir) {
  double t = k / 100.0;
  return (uint32_t)lround(100000 + 20000 * sin(2 * M_PI * 1.2 * t + ir)) & 0x3FFFFu;
}

int board_i2c_write_reg(uint8_t addr7, uint8_t reg, uint8_t value) {
  if (addr7 != 0x57 || ppg_fail) return -1;
  if (reg == 0x09) {
    if (value & 0x40) { /* reset: self-clears */
      memset(regs, 0, 0xFF);
      ppg_running = 0;
      return 0;
    }
    regs[reg] = value;
    ppg_running = (value & 0x07) == 0x03;
    ppg_mode_since_us = now_us;
    ppg_samples_made = ppg_samples_read = 0;
    return 0;
  }
  regs[reg] = value;
  return 0;
}

int board_i2c_read_regs(uint8_t addr7, uint8_t reg, uint8_t *buf, size_t n) {
  if (addr7 != 0x57 || ppg_fail) return -1;
  ppg_advance();
  uint32_t pending = ppg_samples_made - ppg_samples_read;
  uint8_t overflow = 0;
  if (pending > 32) { /* the FIFO holds 32: older samples were overwritten */
    overflow = (uint8_t)(pending - 32 > 31 ? 31 : pending - 32);
    ppg_samples_read = ppg_samples_made - 32;
    pending = 32;
  }
  if (reg == 0x07) {
    for (size_t i = 0; i + 6 <= n; i += 6) {
      uint32_t k = ppg_samples_read++;
      uint32_t red = ppg_value(k, 0), ir = ppg_value(k, 1);
      buf[i] = (uint8_t)(red >> 16);
      buf[i + 1] = (uint8_t)(red >> 8);
      buf[i + 2] = (uint8_t)red;
      buf[i + 3] = (uint8_t)(ir >> 16);
      buf[i + 4] = (uint8_t)(ir >> 8);
      buf[i + 5] = (uint8_t)ir;
    }
    return 0;
  }
  for (size_t i = 0; i < n; i++) {
    uint8_t r = (uint8_t)(reg + i);
    if (r == 0x04) buf[i] = (uint8_t)((ppg_samples_read + pending) & 0x1F);
    else if (r == 0x05) buf[i] = overflow;
    else if (r == 0x06) buf[i] = (uint8_t)(ppg_samples_read & 0x1F);
    else buf[i] = regs[r];
  }
  return 0;
}

void board_irq_disable(void) {}
void board_irq_enable(void) {}
