/* MAX30102 driver over board I2C; see max30102.h. Register addresses from the datasheet. */
#include "max30102.h"

#include "board.h"

#define REG_INT_STATUS_1 0x00u
#define REG_INT_ENABLE_1 0x02u
#define REG_FIFO_WR_PTR 0x04u
#define REG_OVF_COUNTER 0x05u
#define REG_FIFO_RD_PTR 0x06u
#define REG_FIFO_DATA 0x07u
#define REG_FIFO_CONFIG 0x08u
#define REG_MODE_CONFIG 0x09u
#define REG_SPO2_CONFIG 0x0Au
#define REG_LED1_PA 0x0Cu /* red */
#define REG_LED2_PA 0x0Du /* IR */
#define REG_PART_ID 0xFFu
#define PART_ID 0x15u

#define MODE_RESET 0x40u
#define MODE_SPO2 0x03u
/* SPO2_CONFIG: ADC range 4096 nA (01), 100 samples/s (001), 411 us pulse width = 18 bits (11). */
#define SPO2_CONFIG_VALUE ((1u << 5) | (1u << 2) | 3u)
/* FIFO_CONFIG: no averaging, roll over when full. */
#define FIFO_CONFIG_VALUE 0x10u
/* About 7 mA LED current. */
#define LED_CURRENT 0x24u

int max30102_init(void) {
  uint8_t id = 0;
  if (board_i2c_read_regs(MAX30102_ADDR, REG_PART_ID, &id, 1) != 0 || id != PART_ID) return -1;
  if (board_i2c_write_reg(MAX30102_ADDR, REG_MODE_CONFIG, MODE_RESET) != 0) return -1;
  for (int tries = 0; tries < 100; tries++) {
    uint8_t mode = MODE_RESET;
    if (board_i2c_read_regs(MAX30102_ADDR, REG_MODE_CONFIG, &mode, 1) != 0) return -1;
    if ((mode & MODE_RESET) == 0) break;
  }
  uint8_t status;
  (void)board_i2c_read_regs(MAX30102_ADDR, REG_INT_STATUS_1, &status, 1); /* clears power-ready */
  if (board_i2c_write_reg(MAX30102_ADDR, REG_INT_ENABLE_1, 0) != 0 ||
      board_i2c_write_reg(MAX30102_ADDR, REG_FIFO_WR_PTR, 0) != 0 ||
      board_i2c_write_reg(MAX30102_ADDR, REG_OVF_COUNTER, 0) != 0 ||
      board_i2c_write_reg(MAX30102_ADDR, REG_FIFO_RD_PTR, 0) != 0 ||
      board_i2c_write_reg(MAX30102_ADDR, REG_FIFO_CONFIG, FIFO_CONFIG_VALUE) != 0 ||
      board_i2c_write_reg(MAX30102_ADDR, REG_SPO2_CONFIG, SPO2_CONFIG_VALUE) != 0 ||
      board_i2c_write_reg(MAX30102_ADDR, REG_LED1_PA, LED_CURRENT) != 0 ||
      board_i2c_write_reg(MAX30102_ADDR, REG_LED2_PA, LED_CURRENT) != 0 ||
      board_i2c_write_reg(MAX30102_ADDR, REG_MODE_CONFIG, MODE_SPO2) != 0) {
    return -1;
  }
  return 0;
}

int max30102_read_fifo(int32_t *red, int32_t *ir, uint8_t max_samples, uint8_t *overflowed) {
  uint8_t ptr[3];
  /* FIFO_WR_PTR, OVF_COUNTER, FIFO_RD_PTR are consecutive registers. */
  if (board_i2c_read_regs(MAX30102_ADDR, REG_FIFO_WR_PTR, ptr, 3) != 0) return -1;
  *overflowed = (uint8_t)(ptr[1] & 0x1Fu);
  uint8_t available = (uint8_t)((ptr[0] - ptr[2]) & 0x1Fu);
  if (*overflowed) available = 32;
  if (available > max_samples) available = max_samples;
  for (uint8_t i = 0; i < available; i++) {
    uint8_t b[6];
    if (board_i2c_read_regs(MAX30102_ADDR, REG_FIFO_DATA, b, 6) != 0) return -1;
    red[i] = (int32_t)((((uint32_t)b[0] << 16) | ((uint32_t)b[1] << 8) | b[2]) & 0x3FFFFu);
    ir[i] = (int32_t)((((uint32_t)b[3] << 16) | ((uint32_t)b[4] << 8) | b[5]) & 0x3FFFFu);
  }
  return available;
}
