/* Entry point on the microcontroller: setup, then the main loop forever. */
#include "firmware.h"

int main(void) {
  fw_setup();
  for (;;) fw_loop();
}
