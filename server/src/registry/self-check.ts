// The checks a model file must pass before the registry takes it, run inside the validation
// child process (validate-entry.ts): it loads in onnxruntime-node, has exactly the contract's
// input and output (training/README.md "Export"), says its name and version, and behaves like a
// denoiser on a real radiograph:
//   - finite output in [0, 1], same shape as the input;
//   - tiled output (the node's own tiling and blending, batch of 2) equal to one whole-image
//     pass: a model that is not translation-equivariant (global pooling, attention over the
//     whole image) would change at every tile seam on the node, and differs by 1e-2 or more;
//     the shipped models differ by < 1e-4 at the node's overlap of 128 px;
//   - a mean change from the input below MAX_MEAN_CHANGE: denoising moves pixels by a few
//     percent of the range (the shipped models by ~0.2 %, even untrained weights of the
//     architecture by ~7 %); an inverted, blanked or saturating model moves them by 30 % or more.
import ort from 'onnxruntime-node';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../config/manifest.js';
import { readImage, type GrayImage } from '../imaging/index.js';
import { INPUT_NAME, ModelRunner, OUTPUT_NAME, readOnnxInfo } from '../pipeline/infer/index.js';
import type { CheckResult, SelfCheckFigures, TensorInfo, ValidationReport } from './report.js';

export const SELF_CHECK = {
  tile: 256,
  overlap: 128,
  maxTiledDiff: 1e-3,
  maxTiledMeanDiff: 1e-4,
  maxMeanChange: 0.15,
} as const;

export interface SelfCheckOptions {
  /** A 16-bit or 8-bit grayscale PNG/JPEG; default the CR chest fixture of the repository. */
  readonly fixturePath?: string;
  readonly threads?: number;
}

export function defaultFixturePath(): string {
  return join(repoRoot(), 'tests', 'fixtures', 'images', 'cr-mono1-10-chest-16bit.png');
}

export async function checkModelFile(path: string, options: SelfCheckOptions = {}, onStage?: (stage: 'load' | 'self-check') => void): Promise<ValidationReport> {
  const checks: CheckResult[] = [];
  onStage?.('load');
  let metadata: Record<string, string> = {};
  try {
    metadata = { ...(await readOnnxInfo(path)).metadata };
  } catch (err) {
    return failed(checks, 'onnx', `cannot be read as an ONNX model (${(err as Error).message})`, {});
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, { executionProviders: ['cpu'], logSeverityLevel: 4 });
  } catch (err) {
    return failed(checks, 'onnx', `onnxruntime cannot load it (${firstLine(err)})`, metadata);
  }
  const io = { inputs: tensors(session.inputMetadata), outputs: tensors(session.outputMetadata) };
  await session.release();
  checks.push({ name: 'onnx', ok: true, detail: 'loads in onnxruntime-node' });
  const contract = contractProblems(io.inputs, io.outputs);
  checks.push({ name: 'contract', ok: contract.length === 0, detail: contract.length === 0 ? `input "${INPUT_NAME}" and output "${OUTPUT_NAME}", float32 [N,1,H,W]` : contract.join('; ') });
  checks.push(metadataCheck(metadata));
  if (checks.some((c) => !c.ok)) return { ok: false, metadata, ...io, checks };
  onStage?.('self-check');
  const selfCheck = await runSelfCheck(path, options, checks);
  return { ok: checks.every((c) => c.ok), metadata, ...io, checks, ...(selfCheck ? { selfCheck } : {}) };
}

function failed(checks: CheckResult[], name: string, detail: string, metadata: Record<string, string>): ValidationReport {
  checks.push({ name, ok: false, detail });
  return { ok: false, metadata, inputs: [], outputs: [], checks };
}

function tensors(meta: readonly ort.InferenceSession.ValueMetadata[]): TensorInfo[] {
  return meta.map((m) => (m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: 'not a tensor', shape: [] }));
}

/** Exactly one input `noisy` and one output `denoised`, float32, rank 4, one channel. */
export function contractProblems(inputs: readonly TensorInfo[], outputs: readonly TensorInfo[]): string[] {
  const problems: string[] = [];
  for (const [kind, list, expected] of [['input', inputs, INPUT_NAME], ['output', outputs, OUTPUT_NAME]] as const) {
    if (list.length !== 1 || list[0]!.name !== expected) {
      problems.push(`${kind}s are [${list.map((t) => `"${t.name}"`).join(', ')}], expected exactly ["${expected}"]`);
    }
    for (const t of list) {
      if (t.type !== 'float32') problems.push(`${kind} "${t.name}" is ${t.type}, expected float32`);
      if (t.shape.length !== 4) problems.push(`${kind} "${t.name}" has rank ${t.shape.length}, expected 4 ([N,1,H,W])`);
      else if (typeof t.shape[1] === 'number' && t.shape[1] !== 1) problems.push(`${kind} "${t.name}" has ${t.shape[1]} channels, expected 1`);
    }
  }
  return problems;
}

const RECOMMENDED = ['stage', 'architecture', 'noise_model', 'training_data', 'config_hash', 'pad_multiple', 'training_run'];

function metadataCheck(meta: Readonly<Record<string, string>>): CheckResult {
  const missing = ['name', 'version'].filter((k) => !meta[k]?.trim());
  if (missing.length > 0) {
    return { name: 'metadata', ok: false, detail: `metadata ${missing.map((k) => `"${k}"`).join(' and ')} missing: the registry and every derived series name the model by them (python3 -m training export --name --version)` };
  }
  const absent = RECOMMENDED.filter((k) => !meta[k]);
  return { name: 'metadata', ok: true, detail: `${meta.name} ${meta.version}${absent.length > 0 ? ` (without ${absent.join(', ')})` : ''}` };
}

async function runSelfCheck(path: string, options: SelfCheckOptions, checks: CheckResult[]): Promise<SelfCheckFigures | undefined> {
  const { image, source } = await fixture(options.fixturePath);
  let runner: ModelRunner;
  try {
    runner = await ModelRunner.load(path, { providers: ['cpu'], tile: SELF_CHECK.tile, overlap: SELF_CHECK.overlap, batch: 2, threads: options.threads ?? 0 });
  } catch (err) {
    checks.push({ name: 'runs', ok: false, detail: `cannot be loaded by the node's model runner (${firstLine(err)})` });
    return undefined;
  }
  try {
    const started = performance.now();
    const whole = await runStep(checks, () => runner.runWhole(image.pixels, image.width, image.height));
    if (!whole) return undefined;
    const tiled = await runStep(checks, () => runner.denoise(image.pixels, image.width, image.height));
    if (!tiled) return undefined;
    const figures = measure(image, whole, tiled, source, performance.now() - started);
    checks.push({ name: 'runs', ok: true, detail: `${image.width}x${image.height} in ${Math.round(figures.ms)} ms (whole and tiled)` }, ...judge(figures));
    return figures;
  } finally {
    await runner.release();
  }
}

async function runStep(checks: CheckResult[], run: () => Promise<Float32Array>): Promise<Float32Array | undefined> {
  try {
    return await run();
  } catch (err) {
    checks.push({ name: 'runs', ok: false, detail: `a run on the fixture failed (${firstLine(err)})` });
    return undefined;
  }
}

function measure(image: GrayImage, whole: Float32Array, tiled: Float32Array, fixturePath: string, ms: number): SelfCheckFigures {
  let min = Infinity;
  let max = -Infinity;
  let nonFinite = 0;
  let change = 0;
  let diffMax = 0;
  let diffSum = 0;
  for (let i = 0; i < whole.length; i++) {
    const v = whole[i]!;
    const d = Math.abs(tiled[i]! - v);
    if (!Number.isFinite(v) || !Number.isFinite(d)) {
      nonFinite++;
      continue;
    }
    min = Math.min(min, v);
    max = Math.max(max, v);
    change += Math.abs(v - image.pixels[i]!);
    diffMax = Math.max(diffMax, d);
    diffSum += d;
  }
  const n = Math.max(1, whole.length - nonFinite);
  return {
    fixture: fixturePath, width: image.width, height: image.height, tile: SELF_CHECK.tile, overlap: SELF_CHECK.overlap,
    outputMin: min, outputMax: max, nonFinite, meanAbsChange: change / n, tiledMaxDiff: diffMax, tiledMeanDiff: diffSum / n, ms,
  };
}

function judge(f: SelfCheckFigures): CheckResult[] {
  const finite = f.nonFinite === 0;
  const inRange = finite && f.outputMin >= 0 && f.outputMax <= 1;
  const tiledOk = f.tiledMaxDiff <= SELF_CHECK.maxTiledDiff && f.tiledMeanDiff <= SELF_CHECK.maxTiledMeanDiff;
  const changeOk = f.meanAbsChange < SELF_CHECK.maxMeanChange;
  return [
    { name: 'range', ok: inRange, detail: finite ? `output in [${fmt(f.outputMin)}, ${fmt(f.outputMax)}]${inRange ? '' : ', expected within [0, 1]'}` : `${f.nonFinite} output values are NaN or infinite` },
    { name: 'tiling', ok: tiledOk, detail: `tiled (${f.tile} px tiles, ${f.overlap} px overlap) vs whole image: max |diff| ${fmt(f.tiledMaxDiff)}, mean ${fmt(f.tiledMeanDiff)}${tiledOk ? '' : ` (allowed ${SELF_CHECK.maxTiledDiff} / ${SELF_CHECK.maxTiledMeanDiff}: the node runs large images in tiles, so this model would leave seams)`}` },
    { name: 'change', ok: changeOk, detail: `mean |output - input| ${fmt(f.meanAbsChange)}${changeOk ? '' : ` (allowed < ${SELF_CHECK.maxMeanChange}: this does not look like a denoiser of the input)`}` },
  ];
}

/** The fixture radiograph, 440x437 (odd on purpose: the graph must pad any size itself), or a phantom. */
async function fixture(path = defaultFixturePath()): Promise<{ image: GrayImage; source: string }> {
  if (existsSync(path)) {
    const full = await readImage(path);
    const height = Math.min(full.height, 437);
    return { image: { ...full, height, pixels: full.pixels.slice(0, full.width * height) }, source: path };
  }
  return { image: phantom(440, 437), source: 'synthetic phantom (fixture not found)' };
}

/** A smooth chest-like phantom with deterministic noise, for installs without tests/fixtures. */
function phantom(width: number, height: number): GrayImage {
  const pixels = new Float32Array(width * height);
  let seed = 12345;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width - 0.5;
      const v = y / height - 0.5;
      const lungs = Math.exp(-(((Math.abs(u) - 0.2) / 0.13) ** 2 + (v / 0.3) ** 2));
      pixels[y * width + x] = Math.min(1, Math.max(0, 0.7 - 0.4 * lungs + 0.03 * rand()));
    }
  }
  return { width, height, pixels, bitDepth: 16 };
}

function fmt(v: number): string {
  return Number.isFinite(v) ? (Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : v.toFixed(4)) : String(v);
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
}
