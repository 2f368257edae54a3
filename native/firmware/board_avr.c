/*
 * board.h for an ATmega328P at 16 MHz (Arduino Uno / Nano), bare avr-libc, no Arduino core.
 * Wiring (see native/README.md): EDA front end -> A0, AD8232 OUTPUT -> A1, AD8232 LO+ -> D10,
 * LO- -> D11, MAX30102 SDA/SCL -> A4/A5, AREF tied to 3.3 V. Timer1 gives the 1 kHz tick and
 * the microsecond clock; UART0 runs at 115200 8N1 (U2X, 2.1 % error, as the Arduino core).
 */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <util/twi.h>

#include "board.h"
#include "firmware.h"

#define UART_RX_RING 32u

static volatile uint32_t tick_count;
static volatile uint8_t rx_ring[UART_RX_RING];
static volatile uint8_t rx_head, rx_tail;

void board_init(void) {
  /* UART0: 115200 baud with U2X: UBRR = 16e6 / (8 * 115200) - 1 = 16. */
  UCSR0A = (uint8_t)(1u << U2X0);
  UBRR0H = 0;
  UBRR0L = 16;
  UCSR0B = (uint8_t)((1u << RXEN0) | (1u << TXEN0) | (1u << RXCIE0));
  UCSR0C = (uint8_t)((1u << UCSZ01) | (1u << UCSZ00));
  /* ADC: external AREF (3.3 V), prescaler 128 -> 125 kHz ADC clock, ~104 us per conversion. */
  ADMUX = 0;
  ADCSRA = (uint8_t)((1u << ADEN) | (1u << ADPS2) | (1u << ADPS1) | (1u << ADPS0));
  /* AD8232 lead-off inputs D10 (PB2), D11 (PB3). */
  DDRB &= (uint8_t)~((1u << PB2) | (1u << PB3));
  /* TWI at 400 kHz: TWBR = (16e6 / 400e3 - 16) / 2 = 12, prescaler 1. */
  TWSR = 0;
  TWBR = 12;
  TWCR = (uint8_t)(1u << TWEN);
  sei();
}

void board_timer_start(void) {
  /* Timer1 CTC, prescaler 64 (4 us per count), OCR1A = 249 -> 1 kHz. */
  TCCR1A = 0;
  TCCR1B = (uint8_t)((1u << WGM12) | (1u << CS11) | (1u << CS10));
  OCR1A = 249;
  TIMSK1 = (uint8_t)(1u << OCIE1A);
}

ISR(TIMER1_COMPA_vect) {
  tick_count++;
  sei(); /* let UART RX in while sampling (the ADC takes ~0.2 ms) */
  fw_timer_isr();
}

ISR(USART_RX_vect) {
  uint8_t b = UDR0;
  uint8_t next = (uint8_t)((rx_head + 1u) % UART_RX_RING);
  if (next != rx_tail) {
    rx_ring[rx_head] = b;
    rx_head = next;
  }
}

uint32_t board_micros(void) {
  uint8_t sreg = SREG;
  cli();
  uint32_t ticks = tick_count;
  uint16_t counts = TCNT1;
  if ((TIFR1 & (1u << OCF1A)) && counts < 200u) ticks++; /* compare match pending, not yet serviced */
  SREG = sreg;
  return ticks * 1000u + (uint32_t)counts * 4u;
}

uint16_t board_adc_read(uint8_t channel) {
  ADMUX = (uint8_t)(channel & 0x07u); /* REFS = 00: external AREF */
  ADCSRA |= (uint8_t)(1u << ADSC);
  while (ADCSRA & (1u << ADSC)) {
  }
  uint16_t v = ADC;
  return (uint16_t)(v << 2); /* 10-bit result as 12-bit counts, so descriptors are board-independent */
}

uint8_t board_ecg_leads_off(void) {
  return (uint8_t)((PINB & ((1u << PB2) | (1u << PB3))) != 0);
}

void board_uart_write(const uint8_t *bytes, size_t n) {
  for (size_t i = 0; i < n; i++) {
    while (!(UCSR0A & (1u << UDRE0))) {
    }
    UDR0 = bytes[i];
  }
}

int board_uart_read(void) {
  if (rx_tail == rx_head) return -1;
  uint8_t b = rx_ring[rx_tail];
  rx_tail = (uint8_t)((rx_tail + 1u) % UART_RX_RING);
  return b;
}

static int twi_wait(void) {
  uint16_t guard = 0;
  while (!(TWCR & (1u << TWINT))) {
    if (++guard == 0) return -1;
  }
  return 0;
}

static int twi_start(uint8_t addr_rw) {
  TWCR = (uint8_t)((1u << TWINT) | (1u << TWSTA) | (1u << TWEN));
  if (twi_wait() || (TW_STATUS != TW_START && TW_STATUS != TW_REP_START)) return -1;
  TWDR = addr_rw;
  TWCR = (uint8_t)((1u << TWINT) | (1u << TWEN));
  if (twi_wait()) return -1;
  return (TW_STATUS == TW_MT_SLA_ACK || TW_STATUS == TW_MR_SLA_ACK) ? 0 : -1;
}

static int twi_write(uint8_t b) {
  TWDR = b;
  TWCR = (uint8_t)((1u << TWINT) | (1u << TWEN));
  if (twi_wait()) return -1;
  return TW_STATUS == TW_MT_DATA_ACK ? 0 : -1;
}

static void twi_stop(void) {
  TWCR = (uint8_t)((1u << TWINT) | (1u << TWSTO) | (1u << TWEN));
}

int board_i2c_write_reg(uint8_t addr7, uint8_t reg, uint8_t value) {
  int err = twi_start((uint8_t)(addr7 << 1)) || twi_write(reg) || twi_write(value);
  twi_stop();
  return err ? -1 : 0;
}

int board_i2c_read_regs(uint8_t addr7, uint8_t reg, uint8_t *buf, size_t n) {
  if (twi_start((uint8_t)(addr7 << 1)) || twi_write(reg) || twi_start((uint8_t)((addr7 << 1) | 1u))) {
    twi_stop();
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    TWCR = (uint8_t)((1u << TWINT) | (1u << TWEN) | (i + 1 < n ? (1u << TWEA) : 0u));
    if (twi_wait()) {
      twi_stop();
      return -1;
    }
    buf[i] = TWDR;
  }
  twi_stop();
  return 0;
}

void board_irq_disable(void) {
  cli();
}

void board_irq_enable(void) {
  sei();
}
