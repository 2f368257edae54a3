/* Controls of the simulated board (board_host.c) for the host firmware run. */
#ifndef HIMOE_BOARD_HOST_H
#define HIMOE_BOARD_HOST_H
#include <stdint.h>
void host_set_time_us(uint32_t t);
void host_set_uart_script(const char *script);
void host_set_lead_off(uint32_t from_us, uint32_t to_us);
void host_set_ppg_fail(int fail);
#endif
