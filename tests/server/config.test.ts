// Inference config: defaults, environment overrides, flag precedence, validation, manifest.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  ConfigError, defaultModelPath, loadInferenceConfig, ManifestError, weightsFor,
} from '../../server/src/config/index.js';
import { tempDir } from './helpers.js';

describe('inference config', () => {
  const tmp = tempDir('sharpxr-config-');
  after(() => tmp.cleanup());

  it('has the documented defaults', () => {
    const c = loadInferenceConfig({ model: 'm.onnx' }, {});
    assert.deepEqual({ ...c, providers: [...c.providers] }, {
      modelPath: 'm.onnx', providers: ['cuda', 'cpu'], tile: 768, overlap: 128, threads: 0, batch: 1,
    });
    assert.ok(Object.isFrozen(c));
  });

  it('takes SHARPXR_* from the environment, and flags over both', () => {
    const env = {
      SHARPXR_MODEL: '/env.onnx', SHARPXR_PROVIDERS: 'CPU', SHARPXR_TILE: '256', SHARPXR_TILE_OVERLAP: '32',
    };
    const fromEnv = loadInferenceConfig({}, env);
    assert.equal(fromEnv.modelPath, '/env.onnx');
    assert.deepEqual(fromEnv.providers, ['cpu']);
    assert.equal(fromEnv.tile, 256);
    assert.equal(fromEnv.overlap, 32);
    const flags = loadInferenceConfig({ model: '/flag.onnx', tile: '384', providers: 'cuda,cpu' }, env);
    assert.equal(flags.modelPath, '/flag.onnx');
    assert.equal(flags.tile, 384);
    assert.equal(flags.overlap, 32);
    assert.deepEqual(flags.providers, ['cuda', 'cpu']);
  });

  it('rejects bad values with the setting named', () => {
    const env = { SHARPXR_MODEL: 'm.onnx' };
    assert.throws(() => loadInferenceConfig({ tile: 'big' }, env), /tile: expected an integer/);
    assert.throws(() => loadInferenceConfig({ tile: '8' }, env), ConfigError);
    assert.throws(() => loadInferenceConfig({ tile: '128', overlap: '100' }, env), /at most half the tile/);
    assert.throws(() => loadInferenceConfig({ providers: 'gpu' }, env), /unknown "gpu"/);
    assert.throws(() => loadInferenceConfig({ providers: ' , ' }, env), /empty/);
  });

  it('reads the default model from a manifest, with clear errors when it is missing', () => {
    const dir = join(tmp.dir, 'models');
    mkdirSync(dir);
    const manifest = join(dir, 'manifest.json');
    assert.throws(() => defaultModelPath(manifest), (err: Error) =>
      err instanceof ManifestError && /no model manifest/.test(err.message) && /--model/.test(err.message));
    writeFileSync(manifest, JSON.stringify({
      default: 'b.onnx',
      models: [{ file: 'a.onnx', weights: 'a-weights.pt', stage: 'stage1' }, { file: 'b.onnx', stage: 'gan' }],
    }));
    assert.throws(() => defaultModelPath(manifest), /default model .*b\.onnx .*does not exist/);
    writeFileSync(join(dir, 'b.onnx'), '');
    assert.equal(defaultModelPath(manifest), join(dir, 'b.onnx'));
    assert.equal(weightsFor(join(dir, 'a.onnx'), manifest), join(dir, 'a-weights.pt'));
    assert.equal(weightsFor(join(dir, 'b.onnx'), manifest), join(dir, 'b.pt'));
    writeFileSync(manifest, '{"default": 3}');
    assert.throws(() => defaultModelPath(manifest), /needs "default"/);
  });
});
