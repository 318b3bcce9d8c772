// What the normalize stage needs to know about stored values, shared by both directions:
// their format (decode's output), the legal range of Bits Stored, and a typed array of the
// same kind as the source to write results into.

import type { Photometric } from '../decode/attributes.js';
import type { StoredPixels } from '../decode/pixels.js';

/** The subset of decode's DecodedImage that defines how stored values are to be read. */
export interface StoredFormat {
  readonly bitsStored: number;
  readonly pixelRepresentation: 0 | 1;
  readonly photometric: Photometric;
}

export interface StoredRange {
  readonly min: number;
  readonly max: number;
}

export class NormalizeError extends Error {
  override name = 'NormalizeError';
}

/** [0, 2^BitsStored − 1] unsigned, [−2^(BitsStored−1), 2^(BitsStored−1) − 1] signed. */
export function storedRange(format: Pick<StoredFormat, 'bitsStored' | 'pixelRepresentation'>): StoredRange {
  const bits = format.bitsStored;
  if (!Number.isInteger(bits) || bits < 1 || bits > 16) throw new NormalizeError(`invalid Bits Stored ${bits}`);
  if (format.pixelRepresentation === 1) return { min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 };
  return { min: 0, max: 2 ** bits - 1 };
}

/** An empty array of the same class as `like` (so the writer emits the source's encoding). */
export function sameKind(like: StoredPixels, length: number): StoredPixels {
  if (like instanceof Uint8Array) return new Uint8Array(length);
  if (like instanceof Int8Array) return new Int8Array(length);
  if (like instanceof Uint16Array) return new Uint16Array(length);
  return new Int16Array(length);
}

/**
 * The typed array must be able to hold every value of the declared range; otherwise values
 * would wrap silently when written back (e.g. Bits Stored 12 in a Uint8Array).
 */
export function checkContainer(pixels: StoredPixels, range: StoredRange): void {
  const [lo, hi] = containerRange(pixels);
  if (range.min < lo || range.max > hi) {
    throw new NormalizeError(`${pixels.constructor.name} cannot hold stored values in [${range.min}, ${range.max}]`);
  }
}

function containerRange(pixels: StoredPixels): [number, number] {
  if (pixels instanceof Uint8Array) return [0, 255];
  if (pixels instanceof Int8Array) return [-128, 127];
  if (pixels instanceof Uint16Array) return [0, 65535];
  return [-32768, 32767];
}
