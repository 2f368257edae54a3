/* Reference firmware logic (see firmware.h); hardware access only through board.h. */
#include "firmware.h"

#include "../codec/himoe_frame.h"
#include "board.h"
#include "descriptors.h"
#include "max30102.h"

#define ADC_RING 32u /* power of two */
#define PPG_POLL_US 10000u
#define DESCRIPTOR_EVERY_US 1000000u
#define PPG_REINIT_EVERY_US 1000000u
#define MAX_SAMPLES_PER_FRAME 10u
#define MAX_CHANNELS 2u
#define PAYLOAD_BYTES 160u

/* Samples taken in the ISR, consumed by the main loop (single producer, single consumer). */
typedef struct {
  volatile uint8_t head;
  volatile uint8_t tail;
  volatile uint8_t dropped;
  int16_t value[ADC_RING];
  uint32_t tick_us[ADC_RING];
} adc_ring;

/* A data frame being filled. */
typedef struct {
  uint32_t counter; /* counter of the next sample */
  uint32_t first_tick_us;
  uint8_t n;
  uint8_t status;
  int32_t raw[MAX_SAMPLES_PER_FRAME * MAX_CHANNELS];
} frame_acc;

static adc_ring rings[2]; /* STREAM_EDA, STREAM_ECG */
static frame_acc acc[STREAM_COUNT];
static volatile uint8_t streaming;
static volatile uint8_t ecg_leads_off;
static uint8_t ecg_phase;
static uint16_t eda_phase;
static uint8_t ppg_ok;
static uint32_t last_ppg_poll_us;
static uint32_t last_ppg_init_us;
static uint32_t last_descriptor_us;
static uint8_t payload[PAYLOAD_BYTES + 2];
static uint8_t wire[HF_MAX_WIRE_BYTES(PAYLOAD_BYTES)];

static void ring_push(adc_ring *r, int16_t v, uint32_t t) {
  uint8_t head = r->head;
  uint8_t next = (uint8_t)((head + 1u) & (ADC_RING - 1u));
  if (next == r->tail) {
    if (r->dropped < 255u) r->dropped++;
    return;
  }
  r->value[head] = v;
  r->tick_us[head] = t;
  r->head = next;
}

void fw_timer_isr(void) {
  if (!streaming) return;
  uint32_t now = board_micros();
  if (++ecg_phase >= BOARD_TICK_HZ / 250u) {
    ecg_phase = 0;
    ring_push(&rings[STREAM_ECG], (int16_t)board_adc_read(BOARD_ADC_ECG), now);
    ecg_leads_off = board_ecg_leads_off();
  }
  eda_phase += 32u; /* 32 Hz from the 1 kHz tick: sample when the phase passes 1000 */
  if (eda_phase >= BOARD_TICK_HZ) {
    eda_phase -= BOARD_TICK_HZ;
    ring_push(&rings[STREAM_EDA], (int16_t)board_adc_read(BOARD_ADC_EDA), now);
  }
}

static void send_payload(size_t n) {
  size_t len = hf_seal_frame(payload, n, wire);
  board_uart_write(wire, len);
}

static void send_descriptors(uint32_t now) {
  for (uint8_t s = 0; s < STREAM_COUNT; s++) {
    send_payload(hf_build_descriptor_payload(payload, &fw_descriptors[s], acc[s].status, acc[s].counter, now));
  }
  last_descriptor_us = now;
}

static void flush_frame(uint8_t s) {
  frame_acc *a = &acc[s];
  if (a->n == 0) return;
  const hf_descriptor *d = &fw_descriptors[s];
  send_payload(hf_build_data_payload(payload, d->stream_id, a->status, a->counter, a->first_tick_us, a->raw, a->n,
                                     d->n_channels, d->bytes_per_value));
  a->counter += a->n;
  a->n = 0;
  a->status = 0;
}

static void add_sample(uint8_t s, const int32_t *values, uint32_t tick_us, uint8_t status) {
  frame_acc *a = &acc[s];
  uint8_t m = fw_descriptors[s].n_channels;
  if (a->n == 0) a->first_tick_us = tick_us;
  for (uint8_t c = 0; c < m; c++) a->raw[a->n * m + c] = values[c];
  a->status |= status;
  if (++a->n >= fw_samples_per_frame[s]) flush_frame(s);
}

/* Samples lost on the device: close the frame so the counter jump is visible, flag the next one. */
static void skip_samples(uint8_t s, uint8_t lost) {
  flush_frame(s);
  acc[s].counter += lost;
  acc[s].status |= HF_STATUS_BUFFER_OVERFLOW;
}

static void drain_ring(uint8_t s) {
  adc_ring *r = &rings[s];
  uint8_t dropped;
  board_irq_disable();
  dropped = r->dropped;
  r->dropped = 0;
  board_irq_enable();
  while (r->tail != r->head) {
    uint8_t t = r->tail;
    int32_t v = r->value[t];
    uint8_t status = (s == STREAM_ECG && ecg_leads_off) ? HF_STATUS_LEAD_OFF : 0u;
    add_sample(s, &v, r->tick_us[t], status);
    r->tail = (uint8_t)((t + 1u) & (ADC_RING - 1u));
  }
  /* Drops happened after the samples still queued, so they are accounted after them. */
  if (dropped) skip_samples(s, dropped);
}

static void poll_ppg(uint32_t now) {
  if (!ppg_ok) {
    if ((uint32_t)(now - last_ppg_init_us) >= PPG_REINIT_EVERY_US) {
      last_ppg_init_us = now;
      ppg_ok = max30102_init() == 0;
    }
    return;
  }
  if ((uint32_t)(now - last_ppg_poll_us) < PPG_POLL_US) return;
  last_ppg_poll_us = now;
  int32_t red[8], ir[8];
  uint8_t overflowed = 0;
  int n = max30102_read_fifo(red, ir, 8, &overflowed);
  if (n < 0) {
    ppg_ok = 0;
    acc[STREAM_PPG].status |= HF_STATUS_SENSOR_FAULT;
    return;
  }
  if (overflowed) skip_samples(STREAM_PPG, overflowed);
  for (int i = 0; i < n; i++) {
    int32_t v[2] = {red[i], ir[i]};
    /* The newest sample was taken about now; earlier ones one period apart. */
    uint32_t t = now - (uint32_t)(n - 1 - i) * (1000000u / MAX30102_RATE_HZ);
    add_sample(STREAM_PPG, v, t, 0u);
  }
}

static void start_streaming(void) {
  board_irq_disable();
  for (uint8_t s = 0; s < 2; s++) {
    rings[s].head = rings[s].tail = 0;
    rings[s].dropped = 0;
  }
  ecg_phase = 0;
  eda_phase = 0;
  board_irq_enable();
  for (uint8_t s = 0; s < STREAM_COUNT; s++) {
    acc[s].counter = 0;
    acc[s].n = 0;
    acc[s].status = ppg_ok || s != STREAM_PPG ? 0u : HF_STATUS_SENSOR_FAULT;
  }
  uint8_t delimiter = 0;
  board_uart_write(&delimiter, 1); /* ends whatever partial frame the host may hold */
  uint32_t now = board_micros();
  last_ppg_poll_us = now;
  if (ppg_ok) {
    int32_t red[8], ir[8];
    uint8_t overflowed;
    (void)max30102_read_fifo(red, ir, 8, &overflowed); /* discard samples from before the start */
  }
  send_descriptors(now);
  streaming = 1;
}

void fw_setup(void) {
  board_init();
  ppg_ok = max30102_init() == 0;
  last_ppg_init_us = board_micros();
  board_timer_start();
}

void fw_loop(void) {
  int c;
  while ((c = board_uart_read()) >= 0) {
    if (c == 'S' && !streaming) start_streaming();
    else if (c == 'S') last_descriptor_us = board_micros() - DESCRIPTOR_EVERY_US; /* a host that reconnected: re-announce now */
    else if (c == 'X') streaming = 0;
  }
  if (!streaming) return;
  uint32_t now = board_micros();
  drain_ring(STREAM_ECG);
  drain_ring(STREAM_EDA);
  poll_ppg(now);
  if ((uint32_t)(now - last_descriptor_us) >= DESCRIPTOR_EVERY_US) send_descriptors(now);
}
