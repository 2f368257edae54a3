// The contract between the latent track and the per-modality signal renderers of the
// synthetic generator: render consecutive samples of one modality on its nominal grid
// (sample n at n / rateHz seconds of world time). Pure TS.

export interface SignalRenderer {
  readonly rateHz: number;
  readonly channelCount: number;
  /**
   * Write samples n0 .. n0+count-1 (row-major, channelCount values per row) into `out`
   * starting at row `outRow`. Calls must be consecutive (n0 = end of the previous call) and
   * the latent track must already cover (n0 + count) / rateHz.
   */
  render(out: Float32Array, outRow: number, n0: number, count: number): void;
}
