/*
 * Runs the reference firmware on the host against the simulated board: sends 'S', steps
 * simulated time in 250 us steps (timer ISR every 1 ms, main loop every step) for the given
 * number of milliseconds, and writes the UART bytes to stdout. Usage:
 *   host_firmware DURATION_MS [LEAD_OFF_FROM_MS LEAD_OFF_TO_MS]
 */
#include <stdio.h>
#include <stdlib.h>

#include "../firmware/firmware.h"
#include "board_host.h"

int main(int argc, char **argv) {
  long duration_ms = argc > 1 ? atol(argv[1]) : 1000;
  if (argc > 3) host_set_lead_off((uint32_t)atol(argv[2]) * 1000u, (uint32_t)atol(argv[3]) * 1000u);
  host_set_time_us(0);
  fw_setup();
  host_set_uart_script("S");
  for (long step = 0; step < duration_ms * 4; step++) {
    uint32_t t = (uint32_t)step * 250u;
    host_set_time_us(t);
    if (step % 4 == 0) fw_timer_isr();
    fw_loop();
  }
  fflush(stdout);
  return 0;
}
