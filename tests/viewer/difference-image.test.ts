// The difference map the viewer draws: signed denoised − original in modality units, positive
// meaning "brighter on screen after denoising" for both photometric interpretations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultHalfWidth, DifferenceError, robustSigma, signedDifference, type GrayImage } from '../../viewer-extension/src/views/difference-image.js';

const image = (data: number[], o: Partial<GrayImage> = {}): GrayImage => ({
  width: data.length, height: 1, data, slope: 1, intercept: 0, prescaled: false, monochrome1: false, ...o,
});

describe('signed difference map', () => {
  it('is denoised minus original, pixel by pixel', () => {
    const map = signedDifference(image([10, 20, 30, 40]), image([12, 20, 25, 40]));
    assert.deepEqual(Array.from(map.data), [-2, 0, 5, 0]);
    assert.equal(map.maxAbs, 5);
  });

  it('applies each image its own rescale unless the loader already did', () => {
    const a = image([10, 20], { slope: 2, intercept: -5 }); // 15, 35
    const b = image([10, 20], { slope: 1, intercept: 0, prescaled: true }); // 10, 20 as given
    assert.deepEqual(Array.from(signedDifference(a, b).data), [5, 15]);
  });

  it('turns the sign for MONOCHROME1, where a larger value is darker', () => {
    const map = signedDifference(image([100], { monochrome1: true }), image([90], { monochrome1: true }));
    assert.deepEqual(Array.from(map.data), [-10]);
  });

  it('of an image with itself is flat: zero everywhere, zero spread', () => {
    const data = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 4096);
    const map = signedDifference(image(data), image(data));
    assert.ok(map.data.every((v) => v === 0));
    assert.equal(map.robustSigma, 0);
    assert.equal(map.maxAbs, 0);
    assert.equal(defaultHalfWidth(map), 1, 'a flat map still gets a window');
  });

  it('refuses images of different sizes or with missing pixels', () => {
    assert.throws(() => signedDifference(image([1, 2]), image([1, 2, 3])), DifferenceError);
    assert.throws(() => signedDifference({ ...image([1, 2]), width: 3 }, { ...image([1, 2, 3]) }), DifferenceError);
  });

  it('measures the spread robustly: a few huge outliers do not widen the window', () => {
    // Gaussian-like ±1 noise with 1 % of values at 1000.
    const d = new Float32Array(10_000).map((_, i) => (i % 100 === 0 ? 1000 : i % 2 ? 1 : -1));
    const sigma = robustSigma(d);
    assert.ok(Math.abs(sigma - 1.4826) < 1e-4, `sigma ${sigma}`);
  });

  it('uses the guard bound for the window when the object states it, else four deviations', () => {
    const map = { width: 1, height: 1, data: new Float32Array(1), robustSigma: 2.5, maxAbs: 40 };
    assert.equal(defaultHalfWidth(map, 12), 12);
    assert.equal(defaultHalfWidth(map), 10);
    assert.equal(defaultHalfWidth({ ...map, robustSigma: 0 }), 40);
  });
});
