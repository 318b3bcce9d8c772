// Cross-domain quality (issue 9), printed, never asserted: the shipped default (its ONNX file, run
// by the node's runner) and the GAN or stage 1 beside it
// against OpenCV NLM at its best, Gaussian sigma 25, on films they were not trained on:
// - the 30 Kaggle validation films at their size and at 0.5x and 0.25x (the detail scale of
//   smaller films; `eval --scale`);
// - the adult chest DICOM films in ../shared/data/dicom/chest (CR 440, DX 1420x1416, CR
//   1841x1955, DX 2000x2128), decoded and mapped into the model's domain by the node's own
//   decode and toModel (so as the node feeds the model), one copy of each image.
// BM3D is not in Debian or npm here: NLM stays the baseline. --model name=weights adds a
// candidate (a checkpoint or .pt) to every set. One JSON line
// {"bench":"cross-domain",sets:[...]} for run.ts.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../server/src/config/index.js';
import { chestDicom, dicomAsModelInput } from './chest-films.js';
import { shippedEvalModels } from './shipped-eval.js';
import { pythonPath } from '../server/helpers.js';

const root = repoRoot();
const out = join(root, 'out', 'bench', 'cross-domain');
const kaggleVal = join(root, '..', 'shared', 'data', 'cxr-kaggle-normal', 'val');
const quick = process.argv.includes('--quick');
/** --model name=weights (repeatable): candidates scored next to the shipped models. */
const extraModels = process.argv.flatMap((a, i) => (a === '--model' && process.argv[i + 1] ? ['--model', process.argv[i + 1]!] : []));

type Scores = Record<string, { psnr: number; ssim: number; grad_ratio: number }>;
export interface SetResult { readonly key: string; readonly label: string; readonly images: number; readonly sizes: string[]; readonly results: Scores }

function evaluate(models: string[], key: string, label: string, data: string, extra: string[]): SetResult {
  const dir = join(out, key);
  execFileSync(pythonPath('torch'), ['-m', 'training', 'eval', '--data', data, '--out', dir, '--setting', 'gaussian_25', ...models, ...extra],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const r = JSON.parse(readFileSync(join(dir, 'eval.json'), 'utf8')) as { images: number; sizes: string[]; settings: { results: Scores }[] };
  return { key, label, images: r.images, sizes: r.sizes, results: r.settings[0]!.results };
}

async function main(): Promise<void> {
  const missing = [kaggleVal, chestDicom].find((d) => !existsSync(d));
  if (missing) {
    console.log(JSON.stringify({ bench: 'cross-domain', skipped: `${missing} missing (the shared data set is needed)` }));
    return;
  }
  // All 30 validation films: on the first 10 alone stage 1 is +3.08 dB over NLM, on all 30 +2.90
  // (models/eval), so a subset decides the Kaggle target.
  const n = quick ? ['--max-images', '4'] : ['--max-images', '30'];
  const shipped = shippedEvalModels(root);
  const models = [...shipped.args, ...extraModels];
  const names = ['noisy', 'nlm', 'stage1', 'gan', ...extraModels.filter((_, i) => i % 2 === 1).map((m) => m.split('=')[0]!)];
  const films = await dicomAsModelInput(join(out, 'dicom-chest-png'));
  console.log(`adult chest DICOM films (decoded and mapped by the node): ${films.join(', ')}`);
  const sets = [
    evaluate(models, 'kaggle-val', 'Kaggle validation films, as they are', kaggleVal, ['--split', 'val', ...n]),
    evaluate(models, 'kaggle-val-0.5x', 'Kaggle validation films at 0.5x', kaggleVal, ['--split', 'val', '--scale', '0.5', ...n]),
    evaluate(models, 'kaggle-val-0.25x', 'Kaggle validation films at 0.25x', kaggleVal, ['--split', 'val', '--scale', '0.25', ...n]),
    evaluate(models, 'dicom-chest', 'adult chest DICOM films (CR, DX)', join(out, 'dicom-chest-png'), []),
  ];
  for (const s of sets) {
    const r = s.results;
    const f = (k: string): string => `${k} ${r[k]!.psnr.toFixed(2)} dB (sharpness ${r[k]!.grad_ratio.toFixed(2)})`;
    console.log(`${s.label}, ${s.images} images ${s.sizes.slice(0, 3).join(', ')}${s.sizes.length > 3 ? ', ...' : ''}: ${names.map(f).join(' | ')}`);
  }
  console.log(JSON.stringify({ bench: 'cross-domain', sets }));
}

await main();
