// Grayscale images as the pipeline sees them: row-major float32 in [0, 1] plus the bit
// depth they came in with, so outputs can be written back at the same precision.

export type BitDepth = 8 | 16;

export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly pixels: Float32Array;
  /** Precision of the source; 8 for JPEG and for PNGs of 8 bits or fewer. */
  readonly bitDepth: BitDepth;
}

/**
 * Luma of an RGB(A) buffer with `stride` samples per pixel. Gray stored as RGB (r = g = b)
 * is taken as is, so a gray image round-trips exactly whatever its container.
 */
export function toGray(data: ArrayLike<number>, stride: number, count: number, max: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0, p = 0; i < count; i++, p += stride) {
    const r = data[p]!;
    const g = data[p + 1]!;
    const b = data[p + 2]!;
    const v = r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b;
    out[i] = v / max;
  }
  return out;
}

/** Quantise [0, 1] floats to integers of `bitDepth` bits (clamped, rounded to nearest). */
export function quantize(pixels: Float32Array, bitDepth: BitDepth): Uint8Array | Uint16Array {
  const max = bitDepth === 16 ? 65535 : 255;
  const out = bitDepth === 16 ? new Uint16Array(pixels.length) : new Uint8Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]!;
    // NaN would become 0 silently in a typed array; make it explicit and clamp the rest.
    out[i] = v > 0 ? (v < 1 ? Math.round(v * max) : max) : 0;
  }
  return out;
}
