// Try it's processing steps around the model, shared by both engines: the node's fallback
// (/api/try, the model in its pipeline child) and the console's in-browser engine
// (onnxruntime-web). They are the node's own stages (normalize's toModel/fromModel, the guard's
// noise estimate and bound), split where the model sits so the page can re-blend at another
// strength without running the model again. denoiseImage composes the same stages in the same
// order, so a try result equals a job's. Pure: no Node or browser API.
import type { StoredImage } from '../pipeline/denoise-image.js';
import type { StoredPixels } from '../pipeline/decode/pixels.js';
import { estimateNoise } from '../pipeline/guard/noise-estimate.js';
import { guardWithSigma, type GuardOptions, type GuardReport } from '../pipeline/guard/fidelity-guard.js';
import { fromModel } from '../pipeline/normalize/from-model.js';
import { toModel } from '../pipeline/normalize/to-model.js';
import type { ModelMapping, WindowOptions } from '../pipeline/normalize/window.js';
import { quantize, type BitDepth } from '../imaging/gray.js';

export type { StoredImage } from '../pipeline/denoise-image.js';

/** The image in the model domain, its mapping back, and its own noise level (model units). */
export interface Prepared {
  readonly input: Float32Array;
  readonly mapping: ModelMapping;
  readonly sigma: number;
}

export interface Blended {
  /** Guarded image in the model domain (what the tests compare across engines). */
  readonly result: Float32Array;
  /** The same as stored values of the source's kind (what a derived object carries). */
  readonly stored: StoredPixels;
  readonly report: GuardReport;
  /** Per pixel, the share of the guard's bound the proposed change uses: 1 where it was bounded. */
  readonly map: Float32Array;
}

export function prepare(image: StoredImage, window?: WindowOptions): Prepared {
  const { data, mapping } = toModel(image.pixels, image, window);
  return { input: data, mapping, sigma: estimateNoise(data, image.width, image.height).sigma };
}

/** Guard and blend the model's output at `guard.strength`, then map back to stored values. */
export function blend(image: StoredImage, prepared: Prepared, model: Float32Array, guard: GuardOptions): Blended {
  const { data, report } = guardWithSigma(prepared.input, model, prepared.sigma, guard, prepared.mapping.scale);
  return {
    result: data,
    stored: fromModel(data, prepared.mapping, image.pixels),
    report,
    map: guardMap(prepared.input, model, guard.strength, report.bound),
  };
}

export function guardMap(input: Float32Array, model: Float32Array, strength: number, bound: number): Float32Array {
  const map = new Float32Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const change = Math.abs(strength * (model[i]! - input[i]!));
    // A zero bound (a noiseless image) bounds every change: any change at all is at the bound.
    map[i] = bound > 0 ? Math.min(1, change / bound) : change > 0 ? 1 : 0;
  }
  return map;
}

/** PNG and JPEG pixels ([0, 1] gray at their bit depth) as stored values, MONOCHROME2. */
export function storedFromGray(gray: { width: number; height: number; pixels: Float32Array; bitDepth: BitDepth }): StoredImage {
  return {
    pixels: quantize(gray.pixels, gray.bitDepth), width: gray.width, height: gray.height,
    bitsStored: gray.bitDepth, pixelRepresentation: 0, photometric: 'MONOCHROME2',
  };
}

/**
 * What a PNG download holds, as [0, 1] gray with its depth: a PNG or JPEG comes back as its own
 * stored values at its own depth; a DICOM as the guarded model image (windowed, MONOCHROME2
 * like the model sees it) in 16 bits, since its stored range is not a PNG's.
 */
export function pngGray(kind: TryKind, image: StoredImage, blended: Pick<Blended, 'result' | 'stored'>): { pixels: Float32Array; bitDepth: BitDepth } {
  if (kind === 'dicom') return { pixels: blended.result, bitDepth: 16 };
  const max = 2 ** image.bitsStored - 1;
  const pixels = new Float32Array(blended.stored.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = blended.stored[i]! / max;
  return { pixels, bitDepth: image.bitsStored === 16 ? 16 : 8 };
}

export type TryKind = 'png' | 'jpeg' | 'dicom';

/** By content, as the node's imaging module decides (a file name or a Content-Type can lie). */
export function sniffKind(bytes: Uint8Array): TryKind | null {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'jpeg';
  const dicm = (at: number) => bytes[at] === 0x44 && bytes[at + 1] === 0x49 && bytes[at + 2] === 0x43 && bytes[at + 3] === 0x4d;
  if (dicm(128) || dicm(0)) return 'dicom';
  return null;
}
