// The int8 form of the default model (`python3 -m training quantize`) loads in the node's
// ModelRunner and denoises as its float original does, within int8's error: checked on a
// real radiograph crop with seeded noise. The quality bar (within 0.1 dB, or not shipped)
// is measured in tests/bench/quantize.bench.ts, not here.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelRunner } from '../../server/src/pipeline/infer/index.js';
import { ROOT, clamp01, crop, fixtureImage, psnr, pythonPath, runPython, seededGaussian, shippedInt8Models, tempDir, testFloatModelPath, testWeightsPath } from './helpers.js';

describe('int8 quantisation of the default model (its float source when the default is int8)', () => {
  const tmp = tempDir('sharpxr-quant-');
  const floatPath = testFloatModelPath();
  const int8Path = join(tmp.dir, 'model-int8.onnx');
  let runners: ModelRunner[] = [];

  before(async () => {
    runPython(pythonPath('torch'), ['-m', 'training', 'quantize', '--weights', testWeightsPath(floatPath), '--onnx', floatPath,
      '--out', int8Path, '--calib-data', join(ROOT, 'tests', 'fixtures', 'images'), '--calib-images', '4']);
    runners = [await ModelRunner.load(floatPath, { providers: ['cpu'] }), await ModelRunner.load(int8Path, { providers: ['cpu'] })];
  });
  after(async () => {
    for (const r of runners) await r.release();
    tmp.cleanup();
  });

  it('is named as int8 and denoises close to the float model', async (t) => {
    const [float, int8] = runners as [ModelRunner, ModelRunner];
    assert.match(int8.metadata.name ?? '', /-int8$/);
    assert.match(int8.metadata.quantization ?? '', /int8/);
    await closeToFloat(float, int8, t);
  });
});

// Every int8 form shipped in models/ (manifest "quantized_from"), against its float source.
for (const { int8: int8Path, float: floatPath } of shippedInt8Models()) {
  describe(`shipped int8 model ${int8Path.split('/').pop()}`, () => {
    let runners: ModelRunner[] = [];
    before(async () => {
      runners = [await ModelRunner.load(floatPath, { providers: ['cpu'] }), await ModelRunner.load(int8Path, { providers: ['cpu'] })];
    });
    after(async () => {
      for (const r of runners) await r.release();
    });

    it('names its source and quantisation and denoises close to it', async (t) => {
      const [float, int8] = runners as [ModelRunner, ModelRunner];
      assert.equal(int8.metadata.name, `${float.metadata.name}-int8`);
      assert.equal(int8.metadata.version, `${float.metadata.version}-int8`);
      assert.equal(int8.metadata.training_recipe, float.metadata.training_recipe);
      assert.match(int8.metadata.quantization ?? '', /^int8 QDQ static/);
      await closeToFloat(float, int8, t);
    });
  });
}

async function closeToFloat(float: ModelRunner, int8: ModelRunner, t: { diagnostic: (m: string) => void }): Promise<void> {
  const clean = crop((await fixtureImage()).image, 20, 20, 320, 288);
  const g = seededGaussian(7);
  const noisy = clean.pixels.map((v) => clamp01(v + (25 / 255) * g()));
  const [f, q] = [await float.denoise(noisy, clean.width, clean.height), await int8.denoise(noisy, clean.width, clean.height)];
  const scores = { noisy: psnr(noisy, clean.pixels), float: psnr(f, clean.pixels), int8: psnr(q, clean.pixels), agreement: psnr(q, f) };
  t.diagnostic(JSON.stringify(scores));
  assert.ok(scores.int8 > scores.noisy + 6, `int8 ${scores.int8.toFixed(2)} dB barely denoises (noisy ${scores.noisy.toFixed(2)})`);
  assert.ok(scores.int8 > scores.float - 0.5, `int8 ${scores.int8.toFixed(2)} dB far below float ${scores.float.toFixed(2)}`);
  assert.ok(scores.agreement > 42, `int8 and float outputs ${scores.agreement.toFixed(1)} dB apart`);
}
