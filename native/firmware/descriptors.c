/* Stream descriptors of the reference EDA + ECG + PPG sensor. */
#include "descriptors.h"

/* EDA: constant-voltage skin-conductance front end on A0, 12-bit ADC, 0.025 uS per count. */
static const hf_channel eda_channels[] = {{"EDA", "microsiemens", 0.025f, 0.0f}};
/* ECG: AD8232 (gain 100, output centred on 1.65 V) on A1; 3.3 V / 4096 per count -> uV. */
static const hf_channel ecg_channels[] = {{"ECG", "microvolts", 8.056640625f, -16500.0f}};
/* PPG: MAX30102 red and IR, 18-bit counts. */
static const hf_channel ppg_channels[] = {{"PPG-Red", "counts", 1.0f, 0.0f}, {"PPG-IR", "counts", 1.0f, 0.0f}};

const hf_descriptor fw_descriptors[STREAM_COUNT] = {
    {STREAM_EDA, "EDA", "HiMoE EDA", 32000u, 2u, 1u, eda_channels},
    {STREAM_ECG, "ECG", "HiMoE ECG", 250000u, 2u, 1u, ecg_channels},
    {STREAM_PPG, "PPG", "HiMoE PPG", 100000u, 3u, 2u, ppg_channels},
};

const uint8_t fw_samples_per_frame[STREAM_COUNT] = {4u, 10u, 4u};
