/* The reference sensor's streams as announced in descriptor frames (must match REFERENCE_STREAMS
 * in src-main/acquisition/serial/himoe-frame/protocol.ts; native/test checks it). */
#ifndef HIMOE_DESCRIPTORS_H
#define HIMOE_DESCRIPTORS_H

#include "../codec/himoe_frame.h"

enum { STREAM_EDA = 0, STREAM_ECG = 1, STREAM_PPG = 2, STREAM_COUNT = 3 };

extern const hf_descriptor fw_descriptors[STREAM_COUNT];
/* Samples per data frame of each stream (ECG 250 Hz in 10s: 25 frames/s). */
extern const uint8_t fw_samples_per_frame[STREAM_COUNT];

#endif
