// Stage: the fidelity guard (issue 3, item 8).
//   in:  original and denoised images in the model domain (same length), width, height,
//        GuardOptions; optionally the stored units per model unit, for the report
//   out: guarded image = original + clamp(strength · (denoised − original), ±k·sigma), and a
//        GuardReport (sigma, bound, fraction of pixels that hit it, largest change, flagged,
//        and what the configured policy does with a flagged image)
//
// Why: a denoiser that removes noise changes each pixel by about the noise there; a change far
// beyond the image's own noise level is not noise removal but invention or erasure (a model
// hallucinating texture, flattening a fine line). Bounding every change to k·sigma makes the
// derived image provably within k noise deviations of what the detector recorded, and the
// fraction of pixels that needed the bound measures how much the model wanted to do more.

import { estimateNoise } from './noise-estimate.js';

/** What happens to a flagged image: sent with "GUARD" in its series description, or held. */
export type GuardPolicy = 'send-marked' | 'hold';
export type GuardDecision = 'send' | GuardPolicy;

export interface GuardOptions {
  /** Bound multiplier: no pixel moves more than k·sigma. */
  readonly k: number;
  /** 0 = original, 1 = denoised: the blend keeps some of the original texture. */
  readonly strength: number;
  /** Flag the image when more than this fraction of its pixels hit the bound. */
  readonly maxClippedFraction: number;
  /** Configured action for a flagged image; passed through into the report. */
  readonly policy: GuardPolicy;
}

// Defaults, measured with the shipped stage-1 model on real chest images (384² crops of the
// three fixture JPEGs and of the shared CR 10-bit, DX 12-bit, CR 15-bit and DX 16-bit files,
// Gaussian noise of 5/15/30/60 per 255 added in the model domain; and whole images as sent):
// - strength 0.8. The shared DICOMs' own noise is 0.6-2.2/255; at 5/255 added, 0.8 gives
//   +4.4 to +6.6 dB PSNR over the noisy input, within 0.3 dB of full strength on five of the
//   seven crops (1.2 and 1.5 dB behind on the two CRs); it leaves a fifth of the noise amplitude as the
//   grain readers expect instead of a plastic look, and halves how often the bound is needed
//   on clean images (whole IM-0199: 4.8 % clipped at 0.8, 9.7 % at 1). At heavy noise
//   (30/255) full strength would be 2.7-5.4 dB better: raise it per site for such images.
// - k 3: three noise deviations (0.3 % of pure Gaussian noise exceeds it). At strength 0.8,
//   PSNR at k 3 is within 0.05 dB of an unbounded change at every noise level, while k 2
//   already costs up to 0.4 dB at heavy noise (2 dB at full strength); and a model's changes
//   to clean images stay within three of their own noise deviations.
// - maxClippedFraction 0.15: whole real images at these defaults clip 0.4 % (DX 12-bit) to
//   9.1 % (DX 16-bit, clean: the bound stops the model from smoothing fine structure, as it
//   should); crops with added noise clip under 0.2 %. 0.15 keeps a 1.5x margin over the highest, so a
//   flag means an image the model treats unlike any chest radiograph we have measured (a
//   5×5 box blur as the "model" clips 13 % and 24 % on the two most detailed crops), not a clean one.
export const DEFAULT_GUARD: GuardOptions = Object.freeze({
  k: 3,
  strength: 0.8,
  maxClippedFraction: 0.15,
  policy: 'send-marked',
});

/** The marker a flagged image carries in its series description under 'send-marked'. */
export const GUARD_MARK = 'GUARD';

export interface GuardReport {
  /** The original's noise level (model units) and the bound k·sigma. */
  readonly sigma: number;
  /** sigma in stored units, when the caller gave the scale. */
  readonly sigmaStored?: number;
  readonly bound: number;
  readonly k: number;
  readonly strength: number;
  /** Pixels whose proposed change strength·(denoised − original) exceeded the bound. */
  readonly clippedPixels: number;
  readonly clippedFraction: number;
  /** Largest |strength·(denoised − original)| before bounding, in model units. */
  readonly maxChange: number;
  /** The same in stored units, when the caller gave the scale. */
  readonly maxChangeStored?: number;
  /** Largest |change| actually applied (≤ bound). */
  readonly maxAppliedChange: number;
  readonly flagged: boolean;
  readonly maxClippedFraction: number;
  /** 'send' unless flagged; then the configured policy. */
  readonly decision: GuardDecision;
}

export interface GuardResult {
  readonly data: Float32Array;
  readonly report: GuardReport;
}

export class GuardError extends Error {
  override name = 'GuardError';
}

export function checkGuardOptions(o: GuardOptions): void {
  if (!(Number.isFinite(o.k) && o.k >= 0)) throw new GuardError(`guard k ${o.k}: need a finite number >= 0`);
  if (!(o.strength >= 0 && o.strength <= 1)) throw new GuardError(`guard strength ${o.strength}: need 0..1`);
  if (!(o.maxClippedFraction >= 0 && o.maxClippedFraction <= 1)) {
    throw new GuardError(`guard maxClippedFraction ${o.maxClippedFraction}: need 0..1`);
  }
  if (o.policy !== 'send-marked' && o.policy !== 'hold') throw new GuardError(`guard policy "${o.policy}": send-marked or hold`);
}

/**
 * Apply the guard with the noise level estimated from the original.
 * `storedPerModel` (the normalize mapping's scale) only adds stored units to the report.
 */
export function applyGuard(
  original: Float32Array,
  denoised: Float32Array,
  width: number,
  height: number,
  options: GuardOptions = DEFAULT_GUARD,
  storedPerModel?: number,
): GuardResult {
  const { sigma } = estimateNoise(original, width, height);
  return guardWithSigma(original, denoised, sigma, options, storedPerModel);
}

/** The guard for a known sigma (exposed so the bound can be tested on constructed cases). */
export function guardWithSigma(
  original: Float32Array,
  denoised: Float32Array,
  sigma: number,
  options: GuardOptions = DEFAULT_GUARD,
  storedPerModel?: number,
): GuardResult {
  checkGuardOptions(options);
  if (original.length !== denoised.length) {
    throw new GuardError(`original has ${original.length} pixels, denoised ${denoised.length}`);
  }
  if (!(Number.isFinite(sigma) && sigma >= 0)) throw new GuardError(`noise sigma ${sigma}: need a finite number >= 0`);
  const bound = options.k * sigma;
  const { data, clipped, maxChange, maxApplied } = bounded(original, denoised, options.strength, bound);
  const clippedFraction = original.length > 0 ? clipped / original.length : 0;
  const flagged = clippedFraction > options.maxClippedFraction;
  const report: GuardReport = {
    sigma,
    ...(storedPerModel !== undefined ? { sigmaStored: sigma * storedPerModel } : {}),
    bound,
    k: options.k,
    strength: options.strength,
    clippedPixels: clipped,
    clippedFraction,
    maxChange,
    ...(storedPerModel !== undefined ? { maxChangeStored: maxChange * storedPerModel } : {}),
    maxAppliedChange: maxApplied,
    flagged,
    maxClippedFraction: options.maxClippedFraction,
    decision: flagged ? options.policy : 'send',
  };
  return { data, report };
}

function bounded(original: Float32Array, denoised: Float32Array, strength: number, bound: number) {
  const data = new Float32Array(original.length);
  let clipped = 0;
  let maxChange = 0;
  let maxApplied = 0;
  for (let i = 0; i < original.length; i++) {
    const o = original[i]!;
    // strength 0 must give the original bit for bit, even where the model returned NaN.
    const change = strength === 0 ? 0 : strength * (denoised[i]! - o);
    if (Number.isNaN(change)) throw new GuardError(`denoised value at pixel ${i} is NaN`);
    const size = Math.abs(change);
    if (size > maxChange) maxChange = size;
    if (size > bound) {
      clipped++;
      if (bound > maxApplied) maxApplied = bound;
      data[i] = change > 0 ? o + bound : o - bound;
    } else {
      if (size > maxApplied) maxApplied = size;
      // At full strength an unbounded pixel is the model's own value, not o + (d − o),
      // which float rounding could move by an ulp.
      data[i] = strength === 1 ? denoised[i]! : o + change;
    }
  }
  return { data, clipped, maxChange, maxApplied };
}
