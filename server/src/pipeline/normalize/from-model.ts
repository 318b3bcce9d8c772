// Stage: model domain -> stored values.
//   in:  Float32Array in the model domain and the mapping to-model used for this image, plus
//        the source pixels (only to produce the same typed array kind)
//   out: stored pixels of the source's kind: MONOCHROME1 re-inverted, rounded to the nearest
//        integer, clamped to the legal range of Bits Stored (unsigned or signed).
//
// Exact inverse: for an unchanged model value m = sign·(x − origin)/scale, origin + sign·m·scale
// differs from x by < 0.01 (float32 rounding of m), so Math.round returns x for every stored
// value. Clamping is to the stored range, not to the window: the window is only a scale, and
// denoised pixels in the tails beyond it are as legitimate as the source's own.

import type { StoredPixels } from '../decode/pixels.js';
import { NormalizeError, checkContainer, sameKind } from './stored.js';
import { origin, type ModelMapping } from './window.js';

export function fromModel(data: Float32Array, mapping: ModelMapping, like: StoredPixels): StoredPixels {
  checkContainer(like, mapping.stored);
  const out = sameKind(like, data.length);
  const { origin: o, sign } = origin(mapping);
  const factor = sign * mapping.scale;
  const { min, max } = mapping.stored;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    // A NaN from the model must not become 0 (black) silently in a medical image.
    if (Number.isNaN(v)) throw new NormalizeError(`model value at pixel ${i} is NaN`);
    // Math.round rounds .5 up (towards +inf) in both signs: symmetric enough, and exact
    // values never sit on .5.
    const s = Math.round(o + v * factor);
    out[i] = s < min ? min : s > max ? max : s;
  }
  return out;
}
