// ONNX parity: onnxruntime-node must compute what PyTorch computes from the same weights.
//
// The input is a real radiograph crop plus seeded noise, at sizes that are not multiples
// of 16 (the model pads internally and crops back). PyTorch runs through
// `python -m training infer` on raw little-endian float32; onnxruntime runs the exported
// model in one pass (no tiling). Relative error = max|onnx - torch| / max|torch|, i.e.
// the worst absolute deviation scaled by the output's range, which stays meaningful for
// near-zero pixels where an elementwise ratio would blow up.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelRunner } from '../../server/src/pipeline/infer/index.js';
import {
  clamp01, crop, fixtureImage, pythonPath, runPython, seededGaussian, tempDir, testModelPaths, testWeightsPath,
} from './helpers.js';
import type { GrayImage } from '../../server/src/imaging/index.js';

const MAX_RELATIVE_ERROR = 1e-4;

// [N, 1, H, W]; the batched shape covers the runner's multi-tile runs.
const SHAPES: readonly [number, number, number, number][] = [
  [1, 1, 75, 93],
  [1, 1, 301, 517],
  [2, 1, 67, 130],
];

function makeInput(source: GrayImage, [n, , h, w]: readonly number[], seed: number): Float32Array {
  const noise = seededGaussian(seed);
  const out = new Float32Array(n! * h! * w!);
  for (let k = 0; k < n!; k++) {
    // Different crops per batch item, so a mixed-up batch order would show.
    const c = crop(source, 40 + 97 * k, 30 + 53 * k, w!, h!);
    assert.equal(c.width * c.height, h! * w!, 'fixture image too small for the parity crop');
    for (let i = 0; i < c.pixels.length; i++) out[k * h! * w! + i] = clamp01(c.pixels[i]! + 0.04 * noise());
  }
  return out;
}

function writeF32(path: string, data: Float32Array): void {
  const buf = Buffer.alloc(data.length * 4);
  data.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  writeFileSync(path, buf);
}

function readF32(path: string): Float32Array {
  const buf = readFileSync(path);
  const out = new Float32Array(buf.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

// Every shipped model (stage 1 and GAN), each against its own PyTorch weights; and every
// architecture a config here can train (the half-resolution "fast" network), exported with
// seeded random weights, so a new architecture is held to the contract before it ships.
for (const model of testModelPaths()) parity(basename(model), () => ({ model, weights: testWeightsPath(model) }));
parity('fast architecture (shuffle 2), untrained export of training/options/fast_arch.yml', (dir) => {
  const model = join(dir, 'fast-untrained.onnx');
  runPython(pythonPath('torch'), ['-m', 'training', 'export', '--untrained-config', 'training/options/fast_arch.yml', '--out', model, '--name', 'fast-untrained']);
  return { model, weights: model.replace(/\.onnx$/, '.pt') };
});

function parity(label: string, make: (dir: string) => { model: string; weights: string }): void {
 describe(`ONNX parity with PyTorch: ${label}`, () => {
  let runner: ModelRunner;
  let source: GrayImage;
  let weights: string;
  let python: string;
  const tmp = tempDir('sharpxr-parity-');

  before(async () => {
    const made = make(tmp.dir);
    weights = made.weights;
    python = pythonPath('torch');
    runner = await ModelRunner.load(made.model, { providers: ['cpu'] });
    source = (await fixtureImage()).image;
  });
  after(async () => {
    await runner?.release();
    tmp.cleanup();
  });

  for (const [index, shape] of SHAPES.entries()) {
    it(`matches for input ${shape.join('x')}`, async (t) => {
      const [n, , h, w] = shape;
      const input = makeInput(source, shape, 100 + index);
      const inPath = join(tmp.dir, `in-${index}.f32`);
      const outPath = join(tmp.dir, `out-${index}.f32`);
      writeF32(inPath, input);
      runPython(python, ['-m', 'training', 'infer', '--weights', weights, '--input', inPath,
        '--shape', shape.join(','), '--out', outPath]);
      const torch = readF32(outPath);
      const onnx = await runnerRun(runner, input, n, h, w);
      assert.equal(onnx.length, torch.length, 'output sizes differ');
      let maxDiff = 0;
      let maxRef = 0;
      for (let i = 0; i < torch.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(onnx[i]! - torch[i]!));
        maxRef = Math.max(maxRef, Math.abs(torch[i]!));
      }
      const relative = maxDiff / maxRef;
      t.diagnostic(`relative error ${relative.toExponential(2)}, max abs ${maxDiff.toExponential(2)}`);
      assert.ok(maxRef > 0, 'PyTorch output is all zeros');
      assert.ok(relative < MAX_RELATIVE_ERROR,
        `relative error ${relative.toExponential(2)} (max abs ${maxDiff.toExponential(2)}) >= ${MAX_RELATIVE_ERROR}`);
    });
  }
 });
}

/** One untiled onnxruntime run of an [n,1,h,w] batch. */
async function runnerRun(runner: ModelRunner, input: Float32Array, n: number, h: number, w: number): Promise<Float32Array> {
  if (n === 1) return runner.runWhole(input, w, h);
  return runner.runBatch(input, n, h, w);
}
