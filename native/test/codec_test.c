/*
 * Host test program of the C codec, driven by test/unit/native/codec.test.ts:
 *   codec_test selftest   CRC-16/CCITT-FALSE check value and the published COBS examples (exit 1 on failure)
 *   codec_test vectors    frames encoded by C, one JSON line each: wire bytes (hex) and content
 *   codec_test decode     reads hex wire bytes from stdin (any line breaks), decodes them with the
 *                         streaming decoder and prints one JSON line per frame event
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../codec/himoe_frame.h"
#include "../firmware/descriptors.h"

static uint8_t payload[HF_MAX_FRAME_BYTES + 2];
static uint8_t wire[HF_MAX_WIRE_BYTES(HF_MAX_FRAME_BYTES)];

static int check_cobs(const uint8_t *raw, size_t n, const uint8_t *expected, size_t m) {
  uint8_t out[600];
  uint8_t back[600];
  size_t len = hf_cobs_encode(raw, n, out);
  if (len != m || memcmp(out, expected, m) != 0) return 1;
  long k = hf_cobs_decode(out, len, back, sizeof back);
  return k != (long)n || memcmp(back, raw, n) != 0;
}

static int selftest(void) {
  int fails = 0;
  if (hf_crc16((const uint8_t *)"123456789", 9) != 0x29B1) {
    fprintf(stderr, "crc16 check value wrong\n");
    fails++;
  }
  static const uint8_t r1[] = {0x11, 0x22, 0x00, 0x33}, e1[] = {0x03, 0x11, 0x22, 0x02, 0x33};
  static const uint8_t r2[] = {0x00, 0x00}, e2[] = {0x01, 0x01, 0x01};
  static const uint8_t r3[] = {0x11, 0x00, 0x00, 0x00}, e3[] = {0x02, 0x11, 0x01, 0x01, 0x01};
  fails += check_cobs(r1, sizeof r1, e1, sizeof e1);
  fails += check_cobs(r2, sizeof r2, e2, sizeof e2);
  fails += check_cobs(r3, sizeof r3, e3, sizeof e3);
  uint8_t r4[255], e4[257];
  for (int i = 0; i < 255; i++) r4[i] = (uint8_t)(i + 1); /* 01..FF */
  e4[0] = 0xFF;
  for (int i = 0; i < 254; i++) e4[1 + i] = (uint8_t)(i + 1);
  e4[255] = 0x02;
  e4[256] = 0xFF;
  fails += check_cobs(r4, 254, e4, 255); /* 01..FE -> FF 01..FE */
  fails += check_cobs(r4, 255, e4, 257); /* 01..FF -> FF 01..FE 02 FF */
  if (fails) fprintf(stderr, "%d selftest failures\n", fails);
  return fails ? 1 : 0;
}

static void print_hex(const uint8_t *b, size_t n) {
  for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
}

static void print_json_string(const char *s) {
  putchar('"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') putchar('\\');
    putchar(*s);
  }
  putchar('"');
}

static void print_descriptor_fields(const hf_parsed_descriptor *d) {
  printf("\"streamId\":%u,\"type\":", d->stream_id);
  print_json_string(d->type);
  printf(",\"name\":");
  print_json_string(d->name);
  printf(",\"rateMhz\":%lu,\"bytesPerValue\":%u,\"channels\":[", (unsigned long)d->rate_mhz, d->bytes_per_value);
  for (uint8_t c = 0; c < d->n_channels; c++) {
    printf("%s{\"label\":", c ? "," : "");
    print_json_string(d->label[c]);
    printf(",\"unit\":");
    print_json_string(d->unit[c]);
    printf(",\"scale\":%.9g,\"offset\":%.9g}", (double)d->scale[c], (double)d->offset[c]);
  }
  printf("]");
}

/* Deterministic pseudo-random codes (LCG) so the TS side can compare what it decodes. */
static uint32_t lcg = 12345u;
static int32_t next_code(uint8_t bytes_per_value) {
  lcg = lcg * 1103515245u + 12345u;
  int32_t span = bytes_per_value == 2 ? 65536 : 16777216;
  return (int32_t)((lcg >> 4) % (uint32_t)span) - span / 2;
}

static void emit_data(uint8_t stream, uint8_t status, uint32_t counter, uint32_t tick, uint8_t n, const int32_t *raw) {
  const hf_descriptor *d = &fw_descriptors[stream];
  size_t len = hf_build_data_payload(payload, d->stream_id, status, counter, tick, raw, n, d->n_channels, d->bytes_per_value);
  size_t w = hf_seal_frame(payload, len, wire);
  printf("{\"wire\":\"");
  print_hex(wire, w);
  printf("\",\"kind\":\"data\",\"streamId\":%u,\"status\":%u,\"counter\":%lu,\"tickUs\":%lu,\"raw\":[", d->stream_id, status,
         (unsigned long)counter, (unsigned long)tick);
  for (size_t i = 0; i < (size_t)n * d->n_channels; i++) printf("%s%ld", i ? "," : "", (long)raw[i]);
  printf("]}\n");
}

static int vectors(void) {
  for (uint8_t s = 0; s < STREAM_COUNT; s++) {
    size_t len = hf_build_descriptor_payload(payload, &fw_descriptors[s], 0, 0, 0);
    size_t w = hf_seal_frame(payload, len, wire);
    hf_parsed_descriptor parsed;
    if (hf_parse_descriptor(payload, len, &parsed) != 0) return 1;
    printf("{\"wire\":\"");
    print_hex(wire, w);
    printf("\",\"kind\":\"descriptor\",");
    print_descriptor_fields(&parsed);
    printf("}\n");
  }
  int32_t raw[255 * 2];
  /* Extremes of both widths, zeros (COBS), counters and ticks at their wraps, every status flag. */
  int32_t ecg_edge[] = {0, 1, -1, 32767, -32768, 0, 0, 256, -256, 2048};
  emit_data(STREAM_ECG, 0, 0, 0, 10, ecg_edge);
  int32_t ppg_edge[] = {8388607, -8388608, 0, 1, -1, 131071, 262143, 0};
  emit_data(STREAM_PPG, HF_STATUS_SENSOR_FAULT, 0xFFFFFFFFu, 0xFFFFFFF0u, 4, ppg_edge);
  for (int k = 0; k < 40; k++) {
    uint8_t s = (uint8_t)(k % STREAM_COUNT);
    uint8_t n = (uint8_t)(1 + (k * 37) % (s == STREAM_PPG ? 120 : 255)); /* up to 255 samples: blocks > 254 bytes */
    for (size_t i = 0; i < (size_t)n * fw_descriptors[s].n_channels; i++) raw[i] = next_code(fw_descriptors[s].bytes_per_value);
    emit_data(s, (uint8_t)(k & 0x1F), (uint32_t)k * 1000u + 4294960000u, (uint32_t)k * 4000000u, n, raw);
  }
  int32_t ones[255];
  for (int i = 0; i < 255; i++) ones[i] = 0x0101; /* a long run without zero bytes */
  emit_data(STREAM_ECG, 0, 7, 7, 255, ones);
  return 0;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static hf_decoder decoder;
static hf_parsed_descriptor known[16];
static int known_ok[16];

static void report(long n) {
  if (n < 0) {
    printf("{\"ok\":false,\"reason\":\"crc/cobs/version\"}\n");
    return;
  }
  const uint8_t *f = decoder.frame;
  hf_header h;
  hf_read_header(f, &h);
  if (h.kind == HF_KIND_DESCRIPTOR) {
    hf_parsed_descriptor d;
    if (hf_parse_descriptor(f, (size_t)n, &d) != 0) {
      printf("{\"ok\":false,\"reason\":\"descriptor\"}\n");
      return;
    }
    known[d.stream_id] = d;
    known_ok[d.stream_id] = 1;
    printf("{\"ok\":true,\"kind\":\"descriptor\",");
    print_descriptor_fields(&d);
    printf("}\n");
    return;
  }
  if (h.kind != HF_KIND_DATA || !known_ok[h.stream_id]) {
    printf("{\"ok\":false,\"reason\":\"kind or unknown stream\"}\n");
    return;
  }
  const hf_parsed_descriptor *d = &known[h.stream_id];
  uint8_t count = f[HF_HEADER_BYTES];
  if (count == 0 || (size_t)n != HF_HEADER_BYTES + 1u + (size_t)count * d->n_channels * d->bytes_per_value) {
    printf("{\"ok\":false,\"reason\":\"length\"}\n");
    return;
  }
  printf("{\"ok\":true,\"kind\":\"data\",\"streamId\":%u,\"status\":%u,\"counter\":%lu,\"tickUs\":%lu,\"raw\":[", h.stream_id,
         h.status, (unsigned long)h.counter, (unsigned long)h.tick_us);
  for (size_t i = 0; i < (size_t)count * d->n_channels; i++) printf("%s%ld", i ? "," : "", (long)hf_data_value(f, i, d->bytes_per_value));
  printf("]}\n");
}

static int decode(void) {
  hf_decoder_init(&decoder);
  int hi = -1, c;
  while ((c = getchar()) != EOF) {
    int v = hexval(c);
    if (v < 0) continue;
    if (hi < 0) {
      hi = v;
      continue;
    }
    long n = hf_decoder_push(&decoder, (uint8_t)((hi << 4) | v));
    hi = -1;
    if (n != 0) report(n);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: codec_test selftest|vectors|decode\n");
    return 2;
  }
  if (strcmp(argv[1], "selftest") == 0) return selftest();
  if (strcmp(argv[1], "vectors") == 0) return vectors();
  if (strcmp(argv[1], "decode") == 0) return decode();
  fprintf(stderr, "unknown mode %s\n", argv[1]);
  return 2;
}
