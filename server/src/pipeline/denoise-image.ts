// Stage composition for one decoded image (issue 3, items 7 and 8):
//   to-model -> model (tiled ONNX runner) -> fidelity guard -> from-model
//   in:  stored pixels with their format (a DecodedImage fits), a denoiser (a ModelRunner fits),
//        options for the window and the guard
//   out: stored pixels of the source's kind, size and range, the guard's report, the mapping
//        used, and how long each stage took
//
// Native resolution and bit depth throughout: no resampling, and the model domain is a float
// map of the stored values that comes back exactly where the guarded image did not change.

// The pure decode files (not decode/index.js): this stage also runs in the console's Try it.
import type { StoredPixels } from './decode/pixels.js';
import type { Photometric } from './decode/attributes.js';
import { applyGuard, DEFAULT_GUARD, type GuardOptions, type GuardReport } from './guard/index.js';
import { fromModel, toModel, type ModelMapping, type WindowOptions } from './normalize/index.js';

/** The decoded image fields this stage reads (DecodedImage has them all). */
export interface StoredImage {
  readonly pixels: StoredPixels;
  readonly width: number;
  readonly height: number;
  readonly bitsStored: number;
  readonly pixelRepresentation: 0 | 1;
  readonly photometric: Photometric;
}

/** Anything that maps a [0, 1] image to its denoised version of the same size (ModelRunner). */
export interface Denoiser {
  denoise(pixels: Float32Array, width: number, height: number): Promise<Float32Array>;
}

export interface DenoiseImageOptions {
  readonly guard?: GuardOptions;
  readonly window?: WindowOptions;
}

export interface StageTimings {
  readonly normalizeMs: number;
  readonly inferMs: number;
  readonly guardMs: number;
  readonly denormalizeMs: number;
  readonly totalMs: number;
}

export interface DenoisedImage {
  /** Same typed array kind, length and stored range as the source's pixels. */
  readonly pixels: StoredPixels;
  readonly width: number;
  readonly height: number;
  readonly mapping: ModelMapping;
  readonly guard: GuardReport;
  readonly timings: StageTimings;
}

export async function denoiseImage(image: StoredImage, model: Denoiser, options: DenoiseImageOptions = {}): Promise<DenoisedImage> {
  const { width, height } = image;
  if (image.pixels.length !== width * height) {
    throw new RangeError(`expected ${width * height} pixels for ${width}x${height}, got ${image.pixels.length}`);
  }
  const clock = stopwatch();
  const input = toModel(image.pixels, image, options.window);
  const normalizeMs = clock();
  const denoised = await model.denoise(input.data, width, height);
  const inferMs = clock();
  if (denoised.length !== input.data.length) {
    throw new RangeError(`the model returned ${denoised.length} pixels for ${input.data.length}`);
  }
  const guarded = applyGuard(input.data, denoised, width, height, options.guard ?? DEFAULT_GUARD, input.mapping.scale);
  const guardMs = clock();
  const pixels = fromModel(guarded.data, input.mapping, image.pixels);
  const denormalizeMs = clock();
  const totalMs = normalizeMs + inferMs + guardMs + denormalizeMs;
  return {
    pixels, width, height, mapping: input.mapping, guard: guarded.report,
    timings: { normalizeMs, inferMs, guardMs, denormalizeMs, totalMs },
  };
}

/** Each call returns the milliseconds since the previous one (or since creation). */
function stopwatch(): () => number {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const elapsed = now - last;
    last = now;
    return elapsed;
  };
}
