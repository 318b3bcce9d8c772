// The difference map, computed in the browser from the two images as loaded: signed
// (denoised − original) in modality units (Rescale Slope/Intercept applied), with the sign turned
// for MONOCHROME1 so that positive always means "brighter on screen after denoising". Pure: the
// same code is tested in Node.

export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly data: ArrayLike<number>;
  /** Rescale to modality units; ignored when the loader already applied it. */
  readonly slope: number;
  readonly intercept: number;
  readonly prescaled: boolean;
  readonly monochrome1: boolean;
}

export interface DifferenceMap {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
  /** Robust standard deviation (1.4826 × median absolute value), modality units. */
  readonly robustSigma: number;
  readonly maxAbs: number;
}

export class DifferenceError extends Error {
  override name = 'DifferenceError';
}

function rescale(img: GrayImage): (v: number) => number {
  if (img.prescaled) return (v) => v;
  const { slope, intercept } = img;
  return (v) => v * slope + intercept;
}

export function signedDifference(minuend: GrayImage, subtrahend: GrayImage): DifferenceMap {
  if (minuend.width !== subtrahend.width || minuend.height !== subtrahend.height) {
    throw new DifferenceError(`the images differ in size (${minuend.width}×${minuend.height} and ${subtrahend.width}×${subtrahend.height})`);
  }
  const n = minuend.width * minuend.height;
  if (minuend.data.length < n || subtrahend.data.length < n) throw new DifferenceError('an image has fewer pixels than its size says');
  const a = rescale(minuend);
  const b = rescale(subtrahend);
  const sign = minuend.monochrome1 ? -1 : 1;
  const data = new Float32Array(n);
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    const d = sign * (a(minuend.data[i]!) - b(subtrahend.data[i]!));
    data[i] = d;
    const abs = Math.abs(d);
    if (abs > maxAbs) maxAbs = abs;
  }
  return { width: minuend.width, height: minuend.height, data, robustSigma: robustSigma(data), maxAbs };
}

/** 1.4826 × the median of |d| over a strided sample (≤ 65 536 values): exact enough for a window. */
export function robustSigma(data: Float32Array): number {
  const step = Math.max(1, Math.floor(data.length / 65_536));
  const sample: number[] = [];
  for (let i = 0; i < data.length; i += step) sample.push(Math.abs(data[i]!));
  if (sample.length === 0) return 0;
  sample.sort((x, y) => x - y);
  return 1.4826 * sample[Math.floor(sample.length / 2)]!;
}

/**
 * Half-width of the default window: the guard's bound (k × the image's noise level, in modality
 * units) when the derived object states it, so full colour means "the change hit the bound";
 * else four robust deviations of the map. Never zero: a flat map still gets a window.
 */
export function defaultHalfWidth(map: DifferenceMap, guardBoundModality?: number): number {
  if (guardBoundModality !== undefined && guardBoundModality > 0) return guardBoundModality;
  const fromSpread = 4 * map.robustSigma;
  if (fromSpread > 0) return fromSpread;
  return map.maxAbs > 0 ? map.maxAbs : 1;
}
