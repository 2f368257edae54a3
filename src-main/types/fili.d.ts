// Minimal type declarations for `fili` (IIR/FIR design, plain JS without types): only the part
// core/dsp uses, the RBJ-cookbook biquad coefficient calculator.

declare module 'fili' {
  /** One biquad: y = k * (b0 x + b1 x1 + b2 x2) - a[0] y1 - a[1] y2 (a0 normalised to 1). */
  export interface FiliBiquad {
    a: number[];
    b: number[];
    k: number;
    z: number[];
  }
  export interface FiliBiquadParams {
    /** Sampling rate, Hz. */
    Fs: number;
    /** Centre / cut-off frequency, Hz. */
    Fc: number;
    Q?: number;
    BW?: number;
    gain?: number;
    preGain?: boolean;
  }
  export interface FiliIirCoeffs {
    lowpass(params: FiliBiquadParams): FiliBiquad;
    highpass(params: FiliBiquadParams): FiliBiquad;
    bandpass(params: FiliBiquadParams): FiliBiquad;
    bandstop(params: FiliBiquadParams): FiliBiquad;
  }
  export interface FiliCascadeParams {
    order: number;
    characteristic: 'butterworth' | 'bessel';
    Fs: number;
    Fc: number;
    BW?: number;
    gain?: number;
    preGain?: boolean;
  }
  export interface FiliCalcCascades {
    lowpass(params: FiliCascadeParams): FiliBiquad[];
    highpass(params: FiliCascadeParams): FiliBiquad[];
  }
  const Fili: {
    IirCoeffs: new () => FiliIirCoeffs;
    CalcCascades: new () => FiliCalcCascades;
  };
  export = Fili;
}
