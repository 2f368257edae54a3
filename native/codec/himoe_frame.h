/*
 * HiMoE framed binary protocol, version 1: the codec shared by the reference firmware
 * (native/firmware) and host tools. The TypeScript twin is
 * src-main/acquisition/serial/himoe-frame/codec.ts; native/test checks that both agree.
 *
 * Payload (integers little-endian):
 *   0      version (1)
 *   1      kind << 4 | stream id        kind 0 = data, 1 = descriptor; stream id 0..15
 *   2      status flags (HF_STATUS_*)
 *   3..6   u32 sample counter of the first sample (wraps at 2^32)
 *   7..10  u32 device tick of the first sample, microseconds (wraps)
 *   data:        11 n samples (1..255), then n x M values, int16 or int24, sample-major
 *   descriptor:  11 bytes per value (2|3), 12 M channels (1..32), 13..16 u32 rate in mHz,
 *                17 type (u8 len + ASCII), name (u8 len + ASCII), per channel: label, unit
 *                (u8 len + ASCII each), f32 scale, f32 offset (value = raw * scale + offset)
 * Wire: COBS(payload || CRC-16 big-endian) || 0x00, CRC-16/CCITT-FALSE over the payload
 * (poly 0x1021, init 0xFFFF, no reflection, xorout 0; "123456789" -> 0x29B1).
 *
 * Plain C99, no allocation, no libc beyond <stddef.h>/<stdint.h>: builds with avr-gcc,
 * arm-none-eabi-gcc and the host gcc.
 */
#ifndef HIMOE_FRAME_H
#define HIMOE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define HF_VERSION 1u
#define HF_KIND_DATA 0u
#define HF_KIND_DESCRIPTOR 1u
#define HF_HEADER_BYTES 11u
/* Largest payload + CRC a receiver accepts. */
#define HF_MAX_FRAME_BYTES 1024u
/* Wire bytes (COBS overhead + delimiter) of a frame whose payload is n bytes long. */
#define HF_MAX_WIRE_BYTES(n) ((n) + 2u + ((n) + 2u + 253u) / 254u + 1u)

#define HF_STATUS_LEAD_OFF 0x01u
#define HF_STATUS_SENSOR_FAULT 0x02u
#define HF_STATUS_ADC_OVERRUN 0x04u
#define HF_STATUS_BUFFER_OVERFLOW 0x08u
#define HF_STATUS_LOW_BATTERY 0x10u

typedef struct {
  uint8_t version;
  uint8_t kind;
  uint8_t stream_id;
  uint8_t status;
  uint32_t counter;
  uint32_t tick_us;
} hf_header;

typedef struct {
  const char *label;
  const char *unit;
  float scale;
  float offset;
} hf_channel;

typedef struct {
  uint8_t stream_id;
  const char *type;
  const char *name;
  uint32_t rate_mhz;
  uint8_t bytes_per_value; /* 2 or 3 */
  uint8_t n_channels;
  const hf_channel *channels;
} hf_descriptor;

uint16_t hf_crc16(const uint8_t *buf, size_t n);

/* COBS-encode src[0..n) into dst (room for n + n/254 + 1 bytes); returns bytes written, no delimiter. */
size_t hf_cobs_encode(const uint8_t *src, size_t n, uint8_t *dst);

/* COBS-decode src[0..n) (no delimiter inside) into dst[0..cap); returns length or -1 if malformed. */
long hf_cobs_decode(const uint8_t *src, size_t n, uint8_t *dst, size_t cap);

/* Build payloads (without CRC) into p; return their length. raw holds n_samples x n_channels codes. */
size_t hf_build_data_payload(uint8_t *p, uint8_t stream_id, uint8_t status, uint32_t counter, uint32_t tick_us,
                             const int32_t *raw, uint8_t n_samples, uint8_t n_channels, uint8_t bytes_per_value);
size_t hf_build_descriptor_payload(uint8_t *p, const hf_descriptor *d, uint8_t status, uint32_t counter, uint32_t tick_us);

/*
 * Append the CRC to payload[0..n) (payload needs n + 2 bytes of room), COBS-encode into out
 * (room for HF_MAX_WIRE_BYTES(n)) and append the 0x00 delimiter. Returns the wire length.
 */
size_t hf_seal_frame(uint8_t *payload, size_t n, uint8_t *out);

/* Check a decoded frame (payload + CRC, len bytes): CRC and version. Payload length, or -1. */
long hf_check_frame(const uint8_t *f, size_t len);
void hf_read_header(const uint8_t *f, hf_header *h);

/* Host side: a descriptor parsed out of a frame (strings copied, NUL-terminated). */
#define HF_MAX_CHANNELS 32
#define HF_MAX_TEXT 64
typedef struct {
  uint8_t stream_id;
  uint8_t bytes_per_value;
  uint8_t n_channels;
  uint32_t rate_mhz;
  char type[HF_MAX_TEXT];
  char name[HF_MAX_TEXT];
  char label[HF_MAX_CHANNELS][HF_MAX_TEXT];
  char unit[HF_MAX_CHANNELS][HF_MAX_TEXT];
  float scale[HF_MAX_CHANNELS];
  float offset[HF_MAX_CHANNELS];
} hf_parsed_descriptor;

/* Parse a descriptor payload of length n; 0 on success, -1 when malformed. */
int hf_parse_descriptor(const uint8_t *f, size_t n, hf_parsed_descriptor *out);

/* Read value k (0-based, sample-major) of a data payload with the given width. */
int32_t hf_data_value(const uint8_t *f, size_t k, uint8_t bytes_per_value);

/* Streaming receiver: push bytes one at a time. */
typedef struct {
  uint8_t wire[HF_MAX_WIRE_BYTES(HF_MAX_FRAME_BYTES)];
  size_t len;
  int overflow;
  uint8_t frame[HF_MAX_FRAME_BYTES + 2];
} hf_decoder;

void hf_decoder_init(hf_decoder *d);
/*
 * Returns the payload length (> 0) when a frame that passed its checks just ended (it is in
 * d->frame), -1 when a damaged frame ended, 0 otherwise (mid-frame, or an idle delimiter).
 */
long hf_decoder_push(hf_decoder *d, uint8_t byte);

#endif
