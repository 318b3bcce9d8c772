// The runner refuses models that do not follow the SharpXR contract, with a clear error.
// The wrong models are real ONNX files, written by the onnx Python package into a temp dir.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelContractError, ModelRunner, readOnnxInfo } from '../../server/src/pipeline/infer/index.js';
import { pythonPath, runPython, tempDir, testModelPath } from './helpers.js';

// An Identity graph with chosen names, channel count and metadata.
const MAKE_MODEL = `
import sys, onnx
from onnx import helper, TensorProto
path, in_name, out_name, channels = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
shape = ["batch", channels, "height", "width"]
graph = helper.make_graph(
    [helper.make_node("Identity", [in_name], [out_name])], "g",
    [helper.make_tensor_value_info(in_name, TensorProto.FLOAT, shape)],
    [helper.make_tensor_value_info(out_name, TensorProto.FLOAT, shape)])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="sharpxr-test")
model.ir_version = 8
helper.set_model_props(model, {"name": "identity", "version": "9.9.9", "pad_multiple": "1"})
onnx.checker.check_model(model)
onnx.save(model, path)
`;

describe('model contract', () => {
  const tmp = tempDir('sharpxr-contract-');
  let python: string;

  function makeModel(file: string, input: string, output: string, channels = 1): string {
    const path = join(tmp.dir, file);
    runPython(python, ['-c', MAKE_MODEL, path, input, output, String(channels)]);
    return path;
  }

  before(() => {
    python = pythonPath('onnx');
  });
  after(() => tmp.cleanup());

  it('accepts a model that follows it, and reads its metadata', async () => {
    const path = makeModel('ok.onnx', 'noisy', 'denoised');
    const runner = await ModelRunner.load(path, { providers: ['cpu'] });
    try {
      assert.equal(runner.provider, 'cpu');
      assert.equal(runner.metadata.version, '9.9.9');
      const px = Float32Array.from({ length: 12 }, (_, i) => i / 12);
      assert.deepEqual(await runner.denoise(px, 4, 3), px);
    } finally {
      await runner.release();
    }
  });

  it('rejects wrong input and output names, naming what it found', async () => {
    const path = makeModel('names.onnx', 'image', 'clean');
    await assert.rejects(ModelRunner.load(path, { providers: ['cpu'] }), (err: Error) => {
      assert.ok(err instanceof ModelContractError, `got ${err.name}`);
      assert.match(err.message, /inputs are \["image"\], expected \["noisy"\]/);
      assert.match(err.message, /outputs are \["clean"\], expected \["denoised"\]/);
      return true;
    });
  });

  it('rejects a model with 3 channels', async () => {
    const path = makeModel('rgb.onnx', 'noisy', 'denoised', 3);
    await assert.rejects(ModelRunner.load(path, { providers: ['cpu'] }), /has 3 channels, expected 1/);
  });

  it('rejects a file that is not ONNX, and a missing file', async () => {
    const junk = join(tmp.dir, 'junk.onnx');
    writeFileSync(junk, 'this is not a model\n'.repeat(10));
    await assert.rejects(ModelRunner.load(junk, { providers: ['cpu'] }), ModelContractError);
    await assert.rejects(ModelRunner.load(join(tmp.dir, 'absent.onnx')), /model file not found/);
  });

  it('falls back from an unavailable provider and says which one runs', async () => {
    const path = makeModel('fallback.onnx', 'noisy', 'denoised');
    const messages: string[] = [];
    const runner = await ModelRunner.load(path, { providers: ['cuda', 'cpu'], log: (m) => messages.push(m) });
    try {
      // On a machine with a working CUDA provider this picks cuda; otherwise it logs why not.
      const cuda = runner.providerAttempts[0]!;
      assert.equal(cuda.provider, 'cuda');
      assert.equal(runner.provider, cuda.ok ? 'cuda' : 'cpu');
      if (!cuda.ok) assert.ok(messages.some((m) => m.startsWith('provider cuda unavailable, skipped:')));
      assert.ok(messages.some((m) => m.includes(`runs on ${runner.provider}`)));
    } finally {
      await runner.release();
    }
  });

  it('runs one intra-op thread per core when threads is 0, and the number asked otherwise', async () => {
    const path = makeModel('threads.onnx', 'noisy', 'denoised');
    for (const [asked, expected] of [[0, availableParallelism()], [1, 1]] as const) {
      const messages: string[] = [];
      const runner = await ModelRunner.load(path, { providers: ['cpu'], threads: asked, log: (m) => messages.push(m) });
      try {
        assert.equal(runner.threads, expected);
        assert.ok(messages.some((m) => m.endsWith(`runs on cpu, ${expected} thread${expected === 1 ? '' : 's'}`)), messages.join('\n'));
      } finally {
        await runner.release();
      }
    }
  });

  it('reads the product model\'s metadata', async () => {
    const info = await readOnnxInfo(testModelPath());
    for (const key of ['name', 'version', 'stage', 'architecture', 'noise_model', 'pad_multiple']) {
      assert.ok(info.metadata[key], `metadata "${key}" missing`);
    }
  });
});
