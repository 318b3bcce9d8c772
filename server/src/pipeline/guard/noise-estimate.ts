// Stage: the image's own noise level, in the units of the data given (the model domain).
//   in:  row-major Float32Array, width, height
//   out: sigma (standard deviation of additive noise) and how many pixels it was measured on
//
// Method: Immerkær's fast noise variance estimation (J. Immerkær, "Fast Noise Variance
// Estimation", Computer Vision and Image Understanding 64(2):300-302, 1996) with the robust
// median of Donoho's wavelet shrinkage estimator (D. L. Donoho, I. M. Johnstone, "Ideal
// spatial adaptation by wavelet shrinkage", Biometrika 81(3), 1994: sigma = MAD / 0.6745)
// in place of Immerkær's mean:
//   r = I * M,  M = [1 −2 1; −2 4 −2; 1 −2 1]  (the difference of two Laplacians)
// M sums to zero and annihilates every plane and every quadratic without an xy term, so
// smooth anatomy (soft tissue, the gentle slope of a rib) leaves almost nothing in r, while
// i.i.d. noise of deviation sigma gives r a deviation of sigma·sqrt(Σ M²) = 6·sigma.
// The median of |r| ignores edges and text (up to half the pixels), where the mean would not:
// sigma = median(|r|) / (0.6745 · 6).
//
// Pixels whose whole 3×3 neighbourhood is one value are left out: those are saturated,
// collimated or padded areas with no noise to measure, and on a real DX they can cover a third
// of the image, which would drag the median towards zero and make the guard clamp everything.
//
// X-ray noise depends on the signal (quantum noise is Poisson); one number is the typical
// level over the image, which is what the guard needs for its bound.

export interface NoiseEstimate {
  /** Estimated standard deviation of the noise, in the data's units. 0 if nothing to measure. */
  readonly sigma: number;
  /** Interior pixels that entered the estimate (flat neighbourhoods excluded). */
  readonly samples: number;
}

/** Σ M² = 36: the response of M to unit-variance white noise has deviation 6. */
const KERNEL_NORM = 6;
/** median(|N(0,1)|) = Φ⁻¹(3/4). */
const MAD_TO_SIGMA = 0.6744897501960817;

export function estimateNoise(data: Float32Array, width: number, height: number): NoiseEstimate {
  if (data.length !== width * height) throw new RangeError(`expected ${width * height} values, got ${data.length}`);
  if (width < 3 || height < 3) return { sigma: 0, samples: 0 };
  const residuals = kernelResponses(data, width, height);
  if (residuals.length === 0) return { sigma: 0, samples: 0 };
  const median = selectInPlace(residuals, residuals.length >> 1);
  return { sigma: median / (MAD_TO_SIGMA * KERNEL_NORM), samples: residuals.length };
}

/** |I * M| at every interior pixel whose 3×3 neighbourhood is not constant. */
function kernelResponses(d: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array((w - 2) * (h - 2));
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1, i = y * w + 1; x < w - 1; x++, i++) {
      const a = d[i - w - 1]!, b = d[i - w]!, c = d[i - w + 1]!;
      const l = d[i - 1]!, m = d[i]!, r = d[i + 1]!;
      const e = d[i + w - 1]!, f = d[i + w]!, g = d[i + w + 1]!;
      if (a === m && b === m && c === m && l === m && r === m && e === m && f === m && g === m) continue;
      out[n++] = Math.abs(a + c + e + g - 2 * (b + l + r + f) + 4 * m);
    }
  }
  return out.subarray(0, n);
}

/**
 * The k-th smallest value (0-based) by Hoare's selection, reordering `v`: linear time, no
 * copy, so the 4 M residuals of a 2000² radiograph cost tens of milliseconds, not a sort.
 */
export function selectInPlace(v: Float32Array, k: number): number {
  if (k < 0 || k >= v.length) throw new RangeError(`rank ${k} outside 0..${v.length - 1}`);
  let lo = 0;
  let hi = v.length - 1;
  while (lo < hi) {
    const pivot = v[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (v[i]! < pivot) i++;
      while (v[j]! > pivot) j--;
      if (i <= j) {
        const t = v[i]!;
        v[i++] = v[j]!;
        v[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return v[k]!;
}
