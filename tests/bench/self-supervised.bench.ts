// Self-supervised fine-tuning on real noisy films (issue 9), printed, never asserted. The
// adult chest DICOM films, as the node maps them, are the "site's own films": the shipped
// stage 1 is fine-tuned on them with Neighbor2Neighbor (training/options/selfsup_n2n.yml, no
// clean references), exported, and both models then run through the node's own denoise and
// fidelity guard on those films. Reported per film: the node's noise estimate (Immerkaer/MAD)
// of the original, of the model's output and of the guarded output, and the guard's figures
// (pixels whose change exceeded k sigma, largest change). The fine-tuned model should lower the
// measured noise further without the guard having to clip more. Also the Kaggle validation
// PSNR (synthetic sigma 25) before and after, to see that it did not forget.
//
//   node --import tsx tests/bench/self-supervised.bench.ts [--steps 300] [--retrain]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULTS, defaultModelPath, repoRoot } from '../../server/src/config/index.js';
import { DEFAULT_GUARD, applyGuard, estimateNoise } from '../../server/src/pipeline/guard/index.js';
import { ModelRunner } from '../../server/src/pipeline/infer/index.js';
import { toModel } from '../../server/src/pipeline/normalize/index.js';
import { pythonPath } from '../server/helpers.js';
import { chestDicom, chestFilms, dicomAsModelInput } from './chest-films.js';

const root = repoRoot();
const out = join(root, 'out', 'bench', 'self-supervised');
const runs = join(out, 'runs');
const RUN = 'sharpxr-selfsup-n2n';

interface ModelScore { readonly outNoise: number; readonly guardedNoise: number; readonly clippedFraction: number; readonly maxChange: number }

/** Fine-tune (resumes an unfinished run; --retrain starts over) and export; returns the ONNX path. */
function fineTune(steps: number, retrain: boolean): { onnx: string; val: { first?: number; last?: number } } {
  if (retrain) rmSync(join(runs, RUN), { recursive: true, force: true });
  const env = { ...process.env, SHARPXR_RUNS: runs, SHARPXR_SELFSUP_DATA: join(out, 'films') };
  const py = pythonPath('torch');
  execFileSync(py, ['-m', 'training', 'train', '--config', 'training/options/selfsup_n2n.yml', '--set', `train.total_steps=${steps}`],
    { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const onnx = join(out, `${RUN}.onnx`);
  execFileSync(py, ['-m', 'training', 'export', '--checkpoint', join(runs, RUN, 'checkpoints', 'latest.pth'), '--out', onnx,
    '--name', RUN, '--version', '1.1.0-n2n'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const vals = readFileSync(join(runs, RUN, 'log.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"event":"val"'))
    .map((l) => (JSON.parse(l) as { psnr: number }).psnr);
  return { onnx, val: { first: vals[0], last: vals.at(-1) } };
}

async function score(runner: ModelRunner, input: Float32Array, width: number, height: number): Promise<ModelScore> {
  const denoised = await runner.denoise(input, width, height);
  const { data, report } = applyGuard(input, denoised, width, height, DEFAULT_GUARD);
  return { outNoise: estimateNoise(denoised, width, height).sigma * 255, guardedNoise: estimateNoise(data, width, height).sigma * 255,
    clippedFraction: report.clippedFraction, maxChange: report.maxChange * 255 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { steps: { type: 'string', default: '300' }, retrain: { type: 'boolean' } } });
  if (!existsSync(chestDicom)) return void console.log(JSON.stringify({ bench: 'self-supervised', skipped: `${chestDicom} missing` }));
  mkdirSync(out, { recursive: true });
  const decoded = await chestFilms();
  const written = await dicomAsModelInput(join(out, 'films'), decoded);
  console.log(`fine-tuning on ${written.length} films: ${written.join(', ')}`);
  const t0 = performance.now();
  const tuned = fineTune(Number(values.steps), Boolean(values.retrain));
  const trainMs = Math.round(performance.now() - t0);
  const opts = { providers: DEFAULTS.providers, tile: DEFAULTS.tile, overlap: DEFAULTS.overlap };
  const runners = { shipped: await ModelRunner.load(defaultModelPath(), opts), n2n: await ModelRunner.load(tuned.onnx, opts) };
  const films = [];
  try {
    for (const { file, image } of decoded) {
      const { data } = toModel(image.pixels, image);
      const row = { file, size: `${image.width}x${image.height}`, inNoise: estimateNoise(data, image.width, image.height).sigma * 255,
        shipped: await score(runners.shipped, data, image.width, image.height), n2n: await score(runners.n2n, data, image.width, image.height) };
      films.push(row);
      const f = (s: ModelScore): string => `out ${s.outNoise.toFixed(2)}, guarded ${s.guardedNoise.toFixed(2)}, ` +
        `clipped ${(100 * s.clippedFraction).toFixed(2)} %, max change ${s.maxChange.toFixed(1)}`;
      console.log(`${file} ${row.size}: noise ${row.inNoise.toFixed(2)}/255 | shipped: ${f(row.shipped)} | n2n: ${f(row.n2n)}`);
    }
  } finally {
    await runners.shipped.release();
    await runners.n2n.release();
  }
  console.log(`Kaggle val (synthetic sigma 25) during fine-tuning: ${tuned.val.first?.toFixed(2)} -> ${tuned.val.last?.toFixed(2)} dB; training ${trainMs} ms`);
  console.log(JSON.stringify({ bench: 'self-supervised', steps: Number(values.steps), trainMs, films, val: tuned.val }));
}

await main();
