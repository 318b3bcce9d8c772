// Fidelity guard (issue 3, item 8): the noise estimator on a real radiograph with known added
// noise, then the bound, the report and the blend on constructed and real cases.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { readImage } from '../../server/src/imaging/index.js';
import {
  applyGuard, DEFAULT_GUARD, estimateNoise, GuardError, guardWithSigma, selectInPlace, type GuardOptions,
} from '../../server/src/pipeline/guard/index.js';
import { ROOT, seededGaussian, seededRandom } from './helpers.js';

const FIXTURE = join(ROOT, 'tests', 'fixtures', 'images', 'IM-0199-0001.jpg');
const SIZE = 512;

interface Plane { data: Float32Array; width: number; height: number }

/** A SIZE² crop of the fixture's centre (lungs, heart, ribs, mediastinum). */
async function fixtureCrop(): Promise<Plane> {
  const img = await readImage(FIXTURE);
  const x0 = (img.width - SIZE) >> 1;
  const y0 = (img.height - SIZE) >> 1;
  const data = new Float32Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) data.set(img.pixels.subarray((y + y0) * img.width + x0, (y + y0) * img.width + x0 + SIZE), y * SIZE);
  return { data, width: SIZE, height: SIZE };
}

/**
 * Separable Gaussian blur (edges replicated): removes the image's own noise and JPEG
 * quantisation, so the only noise left is what the test adds and knows.
 */
function gaussianBlur(p: Plane, sigma: number): Plane {
  const r = Math.ceil(3 * sigma);
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const sum = k.reduce((a, b) => a + b, 0);
  const pass = (src: Float32Array, horizontal: boolean): Float32Array => {
    const out = new Float32Array(src.length);
    for (let y = 0; y < p.height; y++) {
      for (let x = 0; x < p.width; x++) {
        let acc = 0;
        for (let j = -r; j <= r; j++) {
          const xx = horizontal ? Math.min(p.width - 1, Math.max(0, x + j)) : x;
          const yy = horizontal ? y : Math.min(p.height - 1, Math.max(0, y + j));
          acc += k[j + r]! * src[yy * p.width + xx]!;
        }
        out[y * p.width + x] = acc / sum;
      }
    }
    return out;
  };
  return { ...p, data: pass(pass(p.data, true), false) };
}

function withNoise(p: Plane, sigma: number, seed: number): Float32Array {
  const g = seededGaussian(seed);
  return p.data.map((v) => v + sigma * g());
}

const opts = (o: Partial<GuardOptions>): GuardOptions => ({ ...DEFAULT_GUARD, ...o });

describe('noise estimate', () => {
  let smooth: Plane;
  before(async () => {
    smooth = gaussianBlur(await fixtureCrop(), 2);
  });

  for (const [sigma, seed] of [[0.004, 1], [0.02, 2], [0.06, 3]] as const) {
    it(`finds Gaussian noise of ${sigma} (${(sigma * 255).toFixed(1)}/255) on a smooth real radiograph within 15 %`, () => {
      const est = estimateNoise(withNoise(smooth, sigma, seed), SIZE, SIZE);
      const error = est.sigma / sigma - 1;
      console.log(`  noise ${sigma}: estimated ${est.sigma.toFixed(5)} (${(100 * error).toFixed(1)} %)`);
      assert.ok(Math.abs(error) <= 0.15, `estimated ${est.sigma} for ${sigma}`);
      assert.equal(est.samples, (SIZE - 2) ** 2);
    });
  }

  it('ignores flat (saturated, collimated) areas instead of being dragged to zero by them', () => {
    const noisy = withNoise(smooth, 0.02, 4);
    // The top 60 % of the image saturated at 1, as a collimated or burned-out border would be.
    noisy.fill(1, 0, Math.floor(0.6 * SIZE) * SIZE);
    const est = estimateNoise(noisy, SIZE, SIZE);
    assert.ok(Math.abs(est.sigma / 0.02 - 1) <= 0.15, `estimated ${est.sigma} for 0.02 with a flat area`);
    assert.ok(est.samples < 0.45 * SIZE * SIZE, `flat pixels were counted: ${est.samples}`);
  });

  it('returns 0 for a constant or tiny image, and the exact median by selection', () => {
    assert.deepEqual(estimateNoise(new Float32Array(100).fill(0.3), 10, 10), { sigma: 0, samples: 0 });
    assert.deepEqual(estimateNoise(new Float32Array(4), 2, 2), { sigma: 0, samples: 0 });
    const rand = seededRandom(9);
    const values = Float32Array.from({ length: 1001 }, () => Math.floor(rand() * 50));
    const sorted = [...values].sort((a, b) => a - b);
    for (const k of [0, 1, 500, 999, 1000]) assert.equal(selectInPlace(values.slice(), k), sorted[k]);
  });
});

describe('fidelity guard', () => {
  // 100 pixels at 0.5; the "model" moves 10 of them by +0.5 (clearly beyond the noise), 5 by
  // −0.3 and the rest by +0.01. sigma 0.05, k 2: bound 0.1.
  const original = new Float32Array(100).fill(0.5);
  const denoised = original.map((v, i) => (i < 10 ? v + 0.5 : i < 15 ? v - 0.3 : v + 0.01));

  it('bounds every change to k·sigma and reports the clipped fraction and the largest change', () => {
    const { data, report } = guardWithSigma(original, denoised, 0.05, opts({ k: 2, strength: 1 }), 1000);
    assert.ok(Math.abs(report.bound - 0.1) < 1e-12);
    assert.equal(report.clippedPixels, 15);
    assert.equal(report.clippedFraction, 0.15);
    assert.ok(Math.abs(report.maxChange - 0.5) < 1e-6, `maxChange ${report.maxChange}`);
    assert.ok(Math.abs(report.maxChangeStored! - 500) < 1e-3, `maxChangeStored ${report.maxChangeStored}`);
    assert.ok(Math.abs(report.sigmaStored! - 50) < 1e-9, `sigmaStored ${report.sigmaStored}`);
    assert.ok(Math.abs(report.maxAppliedChange - 0.1) < 1e-9);
    for (let i = 0; i < 100; i++) {
      const expected = i < 10 ? 0.6 : i < 15 ? 0.4 : 0.51;
      assert.ok(Math.abs(data[i]! - expected) < 1e-6, `pixel ${i}: ${data[i]} instead of ${expected}`);
    }
  });

  it('applies strength before the bound', () => {
    // strength 0.5: changes +0.25 (clipped), −0.15 (clipped), +0.005 (kept).
    const { data, report } = guardWithSigma(original, denoised, 0.05, opts({ k: 2, strength: 0.5 }));
    assert.equal(report.clippedPixels, 15);
    assert.deepEqual([report.maxChangeStored, report.sigmaStored], [undefined, undefined], 'no stored figures without the scale');
    assert.ok(Math.abs(report.maxChange - 0.25) < 1e-6);
    assert.ok(Math.abs(data[50]! - 0.505) < 1e-6 && Math.abs(data[0]! - 0.6) < 1e-6 && Math.abs(data[12]! - 0.4) < 1e-6);
  });

  it('flags above the threshold and passes the configured policy through', () => {
    const at = guardWithSigma(original, denoised, 0.05, opts({ k: 2, strength: 1, maxClippedFraction: 0.15, policy: 'hold' }));
    assert.deepEqual([at.report.flagged, at.report.decision], [false, 'send']);
    const above = guardWithSigma(original, denoised, 0.05, opts({ k: 2, strength: 1, maxClippedFraction: 0.149, policy: 'hold' }));
    assert.deepEqual([above.report.flagged, above.report.decision], [true, 'hold']);
    const marked = guardWithSigma(original, denoised, 0.05, opts({ k: 2, strength: 1, maxClippedFraction: 0.149, policy: 'send-marked' }));
    assert.deepEqual([marked.report.flagged, marked.report.decision], [true, 'send-marked']);
  });

  it('rejects invalid options and mismatched images', () => {
    assert.throws(() => guardWithSigma(original, denoised, 0.05, opts({ strength: 1.5 })), GuardError);
    assert.throws(() => guardWithSigma(original, denoised, 0.05, opts({ k: -1 })), GuardError);
    assert.throws(() => guardWithSigma(original, denoised, 0.05, opts({ maxClippedFraction: 2 })), GuardError);
    assert.throws(() => guardWithSigma(original, denoised, 0.05, opts({ policy: 'drop' as never })), GuardError);
    assert.throws(() => guardWithSigma(original, denoised.subarray(1), 0.05), GuardError);
    assert.throws(() => guardWithSigma(original, denoised, NaN), GuardError);
  });

  describe('on a real radiograph with noise and an imperfect "denoiser"', () => {
    let noisy: Float32Array;
    let denoised2: Float32Array;
    before(async () => {
      const clean = await fixtureCrop();
      noisy = withNoise(clean, 0.03, 11);
      // Stand-in for a model: the clean image, plus a bright square the "model" invented.
      denoised2 = clean.data.slice();
      for (let y = 200; y < 240; y++) denoised2.fill(0.95, y * SIZE + 200, y * SIZE + 240);
    });

    it('never moves a pixel by more than the bound', () => {
      const { data, report } = applyGuard(noisy, denoised2, SIZE, SIZE, opts({ k: 3, strength: 1 }));
      assert.ok(Math.abs(report.sigma / 0.03 - 1) < 0.15, `sigma ${report.sigma}`);
      let worst = 0;
      for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(data[i]! - noisy[i]!));
      assert.ok(worst <= report.bound * (1 + 1e-6), `a pixel moved ${worst} > bound ${report.bound}`);
      // The invented square (1600 of 262144 pixels) is clipped, the noise removal is not.
      assert.ok(report.clippedFraction > 1600 / SIZE ** 2 && report.clippedFraction < 0.02, `clipped ${report.clippedFraction}`);
      assert.ok(report.maxChange > 0.3, `maxChange ${report.maxChange}`);
    });

    it('returns the original exactly at strength 0, and the denoised exactly at strength 1 with a huge k', () => {
      const zero = applyGuard(noisy, denoised2, SIZE, SIZE, opts({ strength: 0 }));
      assert.ok(zero.data.every((v, i) => Object.is(v, noisy[i])), 'strength 0 changed a pixel');
      assert.deepEqual([zero.report.clippedPixels, zero.report.maxChange, zero.report.flagged], [0, 0, false]);
      const full = applyGuard(noisy, denoised2, SIZE, SIZE, opts({ strength: 1, k: 1e9 }));
      assert.ok(full.data.every((v, i) => Object.is(v, denoised2[i])), 'strength 1, k 1e9 is not the denoised image');
      assert.equal(full.report.clippedPixels, 0);
    });
  });
});
