// Stage: stored values -> model domain.
//   in:  stored pixels (decode's typed array) and their format (Bits Stored, sign, photometric)
//   out: Float32Array, MONOCHROME2-like (bright = attenuating), the image's window on [0, 1],
//        plus the mapping that from-model needs to come back exactly.

import type { StoredPixels } from '../decode/pixels.js';
import { checkContainer, type StoredFormat } from './stored.js';
import { chooseWindow, origin, type ModelMapping, type WindowOptions } from './window.js';

export interface ModelImage {
  /** Row-major model values; pixels outside the window fall a little below 0 or above 1. */
  readonly data: Float32Array;
  readonly mapping: ModelMapping;
}

/** Choose the image's window, then map every pixel into the model domain. */
export function toModel(pixels: StoredPixels, format: StoredFormat, options: WindowOptions = {}): ModelImage {
  const mapping = chooseWindow(pixels, format, options);
  return { data: toModelWith(pixels, mapping), mapping };
}

/** Map with a given mapping (the same window for several images, e.g. clean and noisy). */
export function toModelWith(pixels: StoredPixels, mapping: ModelMapping): Float32Array {
  checkContainer(pixels, mapping.stored);
  const { origin: o, sign } = origin(mapping);
  // One division per image; the per-pixel product in float64 is then rounded once to float32.
  const factor = sign / mapping.scale;
  const out = new Float32Array(pixels.length);
  // "+ 0" turns the −0 that MONOCHROME1's origin pixel would give into +0 (same number, but
  // a −0 surprises comparisons of typed arrays and sign tests downstream).
  for (let i = 0; i < pixels.length; i++) out[i] = (pixels[i]! - o) * factor + 0;
  return out;
}
