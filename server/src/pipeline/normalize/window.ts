// The linear map between stored values and the model's domain, chosen per image.
//
// Model value m = sign · (stored − origin) / scale, with
//   MONOCHROME2: origin = low,  sign = +1  (low → 0, high → 1)
//   MONOCHROME1: origin = high, sign = −1  (high → 0, low → 1: inverted, because the model was
//                trained on MONOCHROME2-looking films where attenuating tissue is bright)
// and [low, high] a robust window of the image's own values (see chooseWindow).
//
// Why the map is never clamped: the inverse has to give back every stored value exactly when
// the model changes nothing (pixels the guard leaves alone must be bit-identical to the
// source). A clamp would fold the tails onto the window edges and lose them; a pure affine map
// is a bijection on the integers, and float32 keeps m to 2^-24 relative, i.e. < 0.01 stored
// units over a 16-bit range, far below the 0.5 that rounding tolerates.

import type { StoredPixels } from '../decode/pixels.js';
import { NormalizeError, storedRange, type StoredFormat, type StoredRange } from './stored.js';

export interface ModelMapping {
  /** Window in stored values: [low, high] spans model values [0, 1] (in either direction). */
  readonly low: number;
  readonly high: number;
  /** Stored units per model unit (high − low, at least 1, so a constant image divides by 1). */
  readonly scale: number;
  /** MONOCHROME1: the map is reversed so the model sees a MONOCHROME2 image. */
  readonly inverted: boolean;
  /** Legal stored values, for rounding and clamping on the way back. */
  readonly stored: StoredRange;
  /** Image's own extremes, for reports (the window may be narrower). */
  readonly min: number;
  readonly max: number;
}

export interface WindowOptions {
  /** Fraction of pixels allowed below low and above high (each side); 0 = min/max. */
  readonly tail?: number;
}

// 0.1 % per side, measured on the shared chest files: the 16-bit DX spans 32744..65535 but
// 99.8 % of it lies in 32939..55216 (markers at 65535 would squeeze the anatomy into two
// thirds of [0, 1]); the 10-bit CR's lowest 0.1 % reach from 120 down to 0; on files
// without such outliers (RG1 15-bit: 803..26512 vs 1301..24772) the window moves by a few
// percent of the range. The tails still map exactly, just outside [0, 1].
export const DEFAULT_TAIL = 0.001;

/** Histogram of stored values over the legal range; throws if a value lies outside it. */
function histogram(pixels: StoredPixels, range: StoredRange): Uint32Array {
  const counts = new Uint32Array(range.max - range.min + 1);
  for (let i = 0; i < pixels.length; i++) {
    const bin = pixels[i]! - range.min;
    if (bin < 0 || bin >= counts.length) {
      throw new NormalizeError(`pixel ${i} = ${pixels[i]} lies outside the stored range [${range.min}, ${range.max}]`);
    }
    counts[bin]!++;
  }
  return counts;
}

/** Stored value at 0-based rank `rank` of the sorted pixels, read from the histogram. */
function valueAtRank(counts: Uint32Array, rank: number, offset: number): number {
  let seen = 0;
  for (let bin = 0; bin < counts.length; bin++) {
    seen += counts[bin]!;
    if (seen > rank) return bin + offset;
  }
  throw new NormalizeError(`rank ${rank} beyond ${seen} pixels`);
}

/**
 * The window [low, high]: the `tail` and 1 − `tail` quantiles of the image's values (exact,
 * from a histogram of the integers), widened to min/max if that leaves no width (an image
 * whose values are nearly all one level), so only a truly constant image has low = high.
 */
export function chooseWindow(pixels: StoredPixels, format: StoredFormat, options: WindowOptions = {}): ModelMapping {
  const tail = options.tail ?? DEFAULT_TAIL;
  if (!(tail >= 0 && tail < 0.5)) throw new NormalizeError(`window tail ${tail}: need 0 <= tail < 0.5`);
  if (pixels.length === 0) throw new NormalizeError('no pixels');
  const stored = storedRange(format);
  const counts = histogram(pixels, stored);
  const last = pixels.length - 1;
  const min = valueAtRank(counts, 0, stored.min);
  const max = valueAtRank(counts, last, stored.min);
  let low = valueAtRank(counts, Math.floor(tail * last), stored.min);
  let high = valueAtRank(counts, Math.ceil((1 - tail) * last), stored.min);
  if (high <= low) [low, high] = [min, max];
  return mappingFor(low, high, format, { min, max });
}

/** A mapping for a given window (also used by tests and by callers that fix the window). */
export function mappingFor(low: number, high: number, format: StoredFormat, extremes?: { min: number; max: number }): ModelMapping {
  const stored = storedRange(format);
  if (!(Number.isInteger(low) && Number.isInteger(high) && stored.min <= low && low <= high && high <= stored.max)) {
    throw new NormalizeError(`window [${low}, ${high}] is not within the stored range [${stored.min}, ${stored.max}]`);
  }
  return {
    low,
    high,
    scale: Math.max(1, high - low),
    inverted: format.photometric === 'MONOCHROME1',
    stored,
    min: extremes?.min ?? low,
    max: extremes?.max ?? high,
  };
}

/** The stored value that model value 0 stands for, and the direction of the map. */
export function origin(mapping: ModelMapping): { origin: number; sign: 1 | -1 } {
  // For a constant image (low = high) both ends coincide, so either choice maps it to 0.
  return mapping.inverted ? { origin: mapping.high, sign: -1 } : { origin: mapping.low, sign: 1 };
}
