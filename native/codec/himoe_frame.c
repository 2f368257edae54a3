/* HiMoE framed protocol codec: COBS, CRC-16/CCITT-FALSE, frame build and parse. See himoe_frame.h. */
#include "himoe_frame.h"

uint16_t hf_crc16(const uint8_t *buf, size_t n) {
  uint16_t crc = 0xFFFFu;
  for (size_t i = 0; i < n; i++) {
    crc ^= (uint16_t)((uint16_t)buf[i] << 8);
    for (int k = 0; k < 8; k++) crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
  }
  return crc;
}

size_t hf_cobs_encode(const uint8_t *src, size_t n, uint8_t *dst) {
  size_t code_at = 0;
  size_t w = 1;
  uint8_t code = 1;
  for (size_t i = 0; i < n; i++) {
    uint8_t b = src[i];
    if (b != 0) {
      dst[w++] = b;
      code++;
    }
    if (b == 0 || code == 0xFF) {
      dst[code_at] = code;
      code = 1;
      code_at = w;
      /* A full block that ends the input gets no further code byte (canonical COBS). */
      if (b == 0 || i + 1 < n) w++;
    }
  }
  if (code_at < w) dst[code_at] = code;
  return w;
}

long hf_cobs_decode(const uint8_t *src, size_t n, uint8_t *dst, size_t cap) {
  size_t r = 0;
  size_t w = 0;
  while (r < n) {
    uint8_t code = src[r++];
    if (code == 0) return -1;
    size_t stop = r + code - 1u;
    if (stop > n || w + code - 1u > cap) return -1;
    while (r < stop) dst[w++] = src[r++];
    if (code != 0xFF && r < n) {
      if (w >= cap) return -1;
      dst[w++] = 0;
    }
  }
  return (long)w;
}

static void put_u32(uint8_t *b, uint32_t v) {
  b[0] = (uint8_t)v;
  b[1] = (uint8_t)(v >> 8);
  b[2] = (uint8_t)(v >> 16);
  b[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32(const uint8_t *b) {
  return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

static void put_header(uint8_t *p, uint8_t kind, uint8_t stream_id, uint8_t status, uint32_t counter, uint32_t tick_us) {
  p[0] = HF_VERSION;
  p[1] = (uint8_t)(((kind & 0x0Fu) << 4) | (stream_id & 0x0Fu));
  p[2] = status;
  put_u32(p + 3, counter);
  put_u32(p + 7, tick_us);
}

size_t hf_build_data_payload(uint8_t *p, uint8_t stream_id, uint8_t status, uint32_t counter, uint32_t tick_us,
                             const int32_t *raw, uint8_t n_samples, uint8_t n_channels, uint8_t bytes_per_value) {
  put_header(p, HF_KIND_DATA, stream_id, status, counter, tick_us);
  p[11] = n_samples;
  size_t w = 12;
  size_t total = (size_t)n_samples * n_channels;
  for (size_t i = 0; i < total; i++) {
    uint32_t v = (uint32_t)raw[i];
    p[w++] = (uint8_t)v;
    p[w++] = (uint8_t)(v >> 8);
    if (bytes_per_value == 3) p[w++] = (uint8_t)(v >> 16);
  }
  return w;
}

static size_t put_string(uint8_t *p, size_t at, const char *s) {
  size_t len = 0;
  while (s[len] != '\0' && len < 255) len++;
  p[at] = (uint8_t)len;
  for (size_t i = 0; i < len; i++) p[at + 1 + i] = (uint8_t)(s[i] & 0x7F);
  return at + 1 + len;
}

static void put_f32(uint8_t *p, float f) {
  union {
    float f;
    uint32_t u;
  } bits;
  bits.f = f;
  put_u32(p, bits.u);
}

static float get_f32(const uint8_t *p) {
  union {
    float f;
    uint32_t u;
  } bits;
  bits.u = get_u32(p);
  return bits.f;
}

size_t hf_build_descriptor_payload(uint8_t *p, const hf_descriptor *d, uint8_t status, uint32_t counter, uint32_t tick_us) {
  put_header(p, HF_KIND_DESCRIPTOR, d->stream_id, status, counter, tick_us);
  p[11] = d->bytes_per_value;
  p[12] = d->n_channels;
  put_u32(p + 13, d->rate_mhz);
  size_t w = put_string(p, 17, d->type);
  w = put_string(p, w, d->name);
  for (uint8_t c = 0; c < d->n_channels; c++) {
    w = put_string(p, w, d->channels[c].label);
    w = put_string(p, w, d->channels[c].unit);
    put_f32(p + w, d->channels[c].scale);
    put_f32(p + w + 4, d->channels[c].offset);
    w += 8;
  }
  return w;
}

size_t hf_seal_frame(uint8_t *payload, size_t n, uint8_t *out) {
  uint16_t crc = hf_crc16(payload, n);
  payload[n] = (uint8_t)(crc >> 8);
  payload[n + 1] = (uint8_t)crc;
  size_t len = hf_cobs_encode(payload, n + 2, out);
  out[len] = 0;
  return len + 1;
}

long hf_check_frame(const uint8_t *f, size_t len) {
  if (len < HF_HEADER_BYTES + 1u + 2u) return -1;
  size_t n = len - 2u;
  if (hf_crc16(f, n) != (uint16_t)(((uint16_t)f[n] << 8) | f[n + 1])) return -1;
  if (f[0] != HF_VERSION) return -1;
  return (long)n;
}

void hf_read_header(const uint8_t *f, hf_header *h) {
  h->version = f[0];
  h->kind = (uint8_t)(f[1] >> 4);
  h->stream_id = (uint8_t)(f[1] & 0x0Fu);
  h->status = f[2];
  h->counter = get_u32(f + 3);
  h->tick_us = get_u32(f + 7);
}

static int get_string(const uint8_t *f, size_t n, size_t *r, char *out) {
  if (*r >= n) return -1;
  size_t len = f[*r];
  if (*r + 1 + len > n || len >= HF_MAX_TEXT) return -1;
  for (size_t i = 0; i < len; i++) {
    uint8_t c = f[*r + 1 + i];
    if (c < 0x20 || c > 0x7E) return -1;
    out[i] = (char)c;
  }
  out[len] = '\0';
  *r += 1 + len;
  return 0;
}

int hf_parse_descriptor(const uint8_t *f, size_t n, hf_parsed_descriptor *out) {
  if ((f[1] >> 4) != HF_KIND_DESCRIPTOR || n < 19) return -1;
  out->stream_id = (uint8_t)(f[1] & 0x0Fu);
  out->bytes_per_value = f[11];
  out->n_channels = f[12];
  out->rate_mhz = get_u32(f + 13);
  if ((out->bytes_per_value != 2 && out->bytes_per_value != 3) || out->n_channels < 1 || out->n_channels > HF_MAX_CHANNELS) return -1;
  if (out->rate_mhz == 0) return -1;
  size_t r = 17;
  if (get_string(f, n, &r, out->type) || get_string(f, n, &r, out->name)) return -1;
  for (uint8_t c = 0; c < out->n_channels; c++) {
    if (get_string(f, n, &r, out->label[c]) || get_string(f, n, &r, out->unit[c]) || r + 8 > n) return -1;
    out->scale[c] = get_f32(f + r);
    out->offset[c] = get_f32(f + r + 4);
    r += 8;
  }
  return r == n ? 0 : -1;
}

int32_t hf_data_value(const uint8_t *f, size_t k, uint8_t bytes_per_value) {
  const uint8_t *v = f + 12 + k * bytes_per_value;
  if (bytes_per_value == 2) return (int32_t)(int16_t)(uint16_t)(v[0] | (v[1] << 8));
  uint32_t u = (uint32_t)v[0] | ((uint32_t)v[1] << 8) | ((uint32_t)v[2] << 16);
  if (u & 0x800000u) u |= 0xFF000000u;
  return (int32_t)u;
}

void hf_decoder_init(hf_decoder *d) {
  d->len = 0;
  d->overflow = 0;
}

long hf_decoder_push(hf_decoder *d, uint8_t byte) {
  if (byte != 0) {
    if (d->len < sizeof d->wire) d->wire[d->len++] = byte;
    else d->overflow = 1;
    return 0;
  }
  size_t len = d->len;
  int overflow = d->overflow;
  d->len = 0;
  d->overflow = 0;
  if (len == 0 && !overflow) return 0;
  if (overflow) return -1;
  long m = hf_cobs_decode(d->wire, len, d->frame, sizeof d->frame);
  if (m < 0) return -1;
  return hf_check_frame(d->frame, (size_t)m);
}
