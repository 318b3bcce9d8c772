// int8 against float (issue 9's speed levers), printed, never asserted: the default model's
// float ONNX and its int8 form (`python3 -m training quantize`, made here if not given), run
// by the node's own tiled ModelRunner on the Kaggle validation films with seeded Gaussian
// noise, PSNR of each and the difference; at sigma 25 also on the cross-domain sets (the films
// at 0.5x and 0.25x, box-averaged, and the adult chest DICOM films as the node maps them): the
// activation ranges come from Kaggle training crops, so other films are where int8 could clip.
// Then both timed by the inference bench. The issue keeps int8 only if it stays within 0.1 dB.
//
//   node --import tsx tests/bench/quantize.bench.ts [--images 10] [--sigmas 10,25,50]
//        [--float m.onnx --weights m.pt] [--int8 m-int8.onnx] [--skip-speed] [--skip-domains]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULTS, readManifest, repoRoot } from '../../server/src/config/index.js';
import { decodeJpeg, type GrayImage } from '../../server/src/imaging/index.js';
import { ModelRunner } from '../../server/src/pipeline/infer/index.js';
import { clamp01, psnr, pythonPath, seededGaussian } from '../server/helpers.js';
import { chestFilms } from './chest-films.js';
import { benchInference } from './inference.bench.js';
import { toModel } from '../../server/src/pipeline/normalize/index.js';

const root = repoRoot();
const kaggleVal = join(root, '..', 'shared', 'data', 'cxr-kaggle-normal', 'val');
const kaggleTrain = join(root, '..', 'shared', 'data', 'cxr-kaggle-normal', 'train');

export interface QuantizeRow { readonly sigma: number; readonly noisy: number; readonly float: number; readonly int8: number; readonly delta: number }

function valFilms(n: number): GrayImage[] {
  const names = readdirSync(kaggleVal).filter((f) => /\.jpe?g$/i.test(f)).sort().slice(0, n);
  return names.map((f) => decodeJpeg(readFileSync(join(kaggleVal, f))));
}

function withNoise(img: GrayImage, sigma: number, seed: number): Float32Array {
  const g = seededGaussian(seed);
  return img.pixels.map((v) => clamp01(v + (sigma / 255) * g()));
}

/** Mean PSNR (dB) of the noisy input and of each model, same noise draw for every model. */
async function scoreSigma(films: GrayImage[], runners: ModelRunner[], sigma: number): Promise<number[]> {
  const sums = new Array<number>(runners.length + 1).fill(0);
  for (const [i, film] of films.entries()) {
    const noisy = withNoise(film, sigma, 1000 * sigma + i);
    sums[0]! += psnr(noisy, film.pixels);
    for (const [k, r] of runners.entries()) sums[k + 1]! += psnr(await r.denoise(noisy, film.width, film.height), film.pixels);
  }
  return sums.map((s) => s / films.length);
}

/** The film at 1/f of its size, each output pixel the mean of an f x f block (OpenCV's INTER_AREA). */
function boxDown(img: GrayImage, f: number): GrayImage {
  const width = Math.floor(img.width / f);
  const height = Math.floor(img.height / f);
  const pixels = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) sum += img.pixels[(y * f + dy) * img.width + x * f + dx]!;
      pixels[y * width + x] = sum / (f * f);
    }
  }
  return { width, height, pixels, bitDepth: img.bitDepth };
}

/** The cross-domain sets of cross-domain.bench.ts, as GrayImages in the model's domain. */
async function domainSets(films: GrayImage[]): Promise<{ label: string; films: GrayImage[] }[]> {
  const chest = (await chestFilms()).map(({ image }) => ({ width: image.width, height: image.height, pixels: toModel(image.pixels, image).data, bitDepth: 16 as const }));
  return [
    { label: 'Kaggle validation at 0.5x', films: films.map((f) => boxDown(f, 2)) },
    { label: 'Kaggle validation at 0.25x', films: films.map((f) => boxDown(f, 4)) },
    { label: 'adult chest DICOM films', films: chest },
  ];
}

/** The default model's float ONNX and .pt from the manifest. */
function defaultFloat(): { onnx: string; weights: string } {
  const m = readManifest();
  const entry = m.models.find((x) => x.file === m.default) ?? m.models[0]!;
  return { onnx: join(root, 'models', entry.file), weights: join(root, 'models', entry.weights!) };
}

export function makeInt8(floatOnnx: string, weights: string, out: string): string {
  mkdirSync(join(out, '..'), { recursive: true });
  execFileSync(pythonPath('torch'), ['-m', 'training', 'quantize', '--weights', weights, '--onnx', floatOnnx,
    '--out', out, '--calib-data', kaggleTrain], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    images: { type: 'string', default: '10' }, sigmas: { type: 'string', default: '10,25,50' },
    float: { type: 'string' }, weights: { type: 'string' }, int8: { type: 'string' }, 'skip-speed': { type: 'boolean' },
    'skip-domains': { type: 'boolean' },
  } });
  if (!existsSync(kaggleVal)) {
    console.log(JSON.stringify({ bench: 'quantize', skipped: `${kaggleVal} missing (the shared data set is needed)` }));
    return;
  }
  const base = values.float ? { onnx: values.float, weights: values.weights ?? values.float.replace(/\.onnx$/, '.pt') } : defaultFloat();
  const int8 = values.int8 ?? makeInt8(base.onnx, base.weights, join(root, 'out', 'bench', 'quantize', basename(base.onnx, '.onnx') + '-int8.onnx'));
  const opts = { providers: DEFAULTS.providers, tile: DEFAULTS.tile, overlap: DEFAULTS.overlap, batch: 1, threads: 0 };
  const runners = [await ModelRunner.load(base.onnx, opts), await ModelRunner.load(int8, opts)];
  const films = valFilms(Number(values.images));
  const rows: QuantizeRow[] = [];
  const domains: { label: string; images: number; noisy: number; float: number; int8: number; delta: number }[] = [];
  try {
    for (const sigma of values.sigmas!.split(',').map(Number)) {
      const [noisy, f, q] = await scoreSigma(films, runners, sigma);
      rows.push({ sigma, noisy: round(noisy!), float: round(f!), int8: round(q!), delta: round(q! - f!) });
      console.log(`sigma ${sigma}: noisy ${noisy!.toFixed(2)} dB, float ${f!.toFixed(2)} dB, int8 ${q!.toFixed(2)} dB (${(q! - f!).toFixed(3)} dB)`);
    }
    for (const set of values['skip-domains'] ? [] : await domainSets(films)) {
      const [noisy, f, q] = await scoreSigma(set.films, runners, 25);
      domains.push({ label: set.label, images: set.films.length, noisy: round(noisy!), float: round(f!), int8: round(q!), delta: round(q! - f!) });
      console.log(`${set.label}, sigma 25: noisy ${noisy!.toFixed(2)} dB, float ${f!.toFixed(2)} dB, int8 ${q!.toFixed(2)} dB (${(q! - f!).toFixed(3)} dB)`);
    }
  } finally {
    for (const r of runners) await r.release();
  }
  const speed = values['skip-speed'] ? undefined : {
    float: await benchInference({ modelPath: base.onnx, repeats: 2 }), int8: await benchInference({ modelPath: int8, repeats: 2 }),
  };
  if (speed) console.log(`2048x2048: float ${speed.float.msPerMegapixel} ms/MP (CPU ${speed.float.cpuMsPerRun} ms), int8 ${speed.int8.msPerMegapixel} ms/MP (CPU ${speed.int8.cpuMsPerRun} ms)`);
  console.log(JSON.stringify({ bench: 'quantize', float: base.onnx, int8, images: films.length, rows, domains,
    speed: speed && { floatMsPerMp: speed.float.msPerMegapixel, int8MsPerMp: speed.int8.msPerMegapixel,
      floatCpuMs: speed.float.cpuMsPerRun, int8CpuMs: speed.int8.cpuMsPerRun } }));
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

if (process.argv[1] && basename(process.argv[1]).startsWith('quantize.bench')) await main();
