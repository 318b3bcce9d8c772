// Inference speed of the tiled model runner: milliseconds per megapixel on a square image
// (default 2048x2048), plus the process's peak RSS.
//
//   node --import tsx tests/bench/inference.bench.ts [--size 2048] [--tile 768] [--overlap 128]
//        [--batch 1] [--threads 0] [--repeats 2] [--model path.onnx] [--providers cuda,cpu] [--spin]
//
// Prints one JSON line (for tools) and a short text summary. Other code can call
// benchInference() directly; it loads the model once per call.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULTS, defaultModelPath, parseProviders, type Provider } from '../../server/src/config/index.js';
import { ModelRunner, planTiles } from '../../server/src/pipeline/infer/index.js';

export interface InferenceBenchOptions {
  modelPath?: string;
  providers?: readonly Provider[];
  size?: number;
  tile?: number;
  overlap?: number;
  batch?: number;
  threads?: number;
  /** Timed runs after one warm-up run. */
  repeats?: number;
  /** onnxruntime thread spinning (the runner turns it off by default). */
  spinning?: boolean;
}

export interface InferenceBenchResult {
  readonly bench: 'inference';
  readonly model: string;
  readonly provider: string;
  readonly width: number;
  readonly height: number;
  readonly tile: number;
  readonly overlap: number;
  readonly batch: number;
  readonly threads: number;
  readonly spinning: boolean;
  readonly tiles: number;
  readonly loadMs: number;
  readonly warmupMs: number;
  readonly runsMs: readonly number[];
  readonly medianMs: number;
  /** CPU time of the process per timed run (user + system), less sensitive to other load. */
  readonly cpuMsPerRun: number;
  readonly msPerMegapixel: number;
  readonly megapixelsPerSecond: number;
  /** Peak resident set of the whole process so far (model, image, accumulators, runtime). */
  readonly peakRssMb: number;
}

/** Model used when none is given: SHARPXR_TEST_MODEL, else models/manifest.json's default. */
export function benchModelPath(): string {
  return process.env.SHARPXR_TEST_MODEL || defaultModelPath();
}

/** A deterministic, radiograph-like test card: smooth anatomy-ish shading plus fine noise. */
export function syntheticImage(width: number, height: number, seed = 1): Float32Array {
  const px = new Float32Array(width * height);
  let state = seed >>> 0 || 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      const u = x / width - 0.5;
      const v = y / height - 0.5;
      const body = 0.55 + 0.3 * Math.cos(3 * u) * Math.cos(2.5 * v) - 0.2 * Math.exp(-((Math.abs(u) - 0.2) ** 2) * 40);
      const ribs = 0.05 * Math.sin(y / 18 + 3 * Math.abs(u));
      px[y * width + x] = Math.min(1, Math.max(0, body + ribs + (state / 2 ** 32 - 0.5) * 0.08));
    }
  }
  return px;
}

export async function benchInference(opts: InferenceBenchOptions = {}): Promise<InferenceBenchResult> {
  const size = opts.size ?? 2048;
  const tile = opts.tile ?? DEFAULTS.tile;
  const overlap = opts.overlap ?? DEFAULTS.overlap;
  const batch = opts.batch ?? DEFAULTS.batch;
  const threads = opts.threads ?? DEFAULTS.threads;
  const model = opts.modelPath ?? benchModelPath();
  let t = performance.now();
  const runner = await ModelRunner.load(model, {
    providers: opts.providers ?? DEFAULTS.providers, tile, overlap, batch, threads, spinning: opts.spinning ?? false,
  });
  const loadMs = performance.now() - t;
  const image = syntheticImage(size, size);
  try {
    t = performance.now();
    await runner.denoise(image, size, size);
    const warmupMs = performance.now() - t;
    const runsMs: number[] = [];
    const repeats = opts.repeats ?? 2;
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < repeats; i++) {
      t = performance.now();
      await runner.denoise(image, size, size);
      runsMs.push(performance.now() - t);
    }
    const cpu = process.cpuUsage(cpuStart);
    const cpuMsPerRun = repeats > 0 ? (cpu.user + cpu.system) / 1000 / repeats : 0;
    const medianMs = median(runsMs.length > 0 ? runsMs : [warmupMs]);
    const megapixels = (size * size) / 1e6;
    return {
      bench: 'inference', model, provider: runner.provider, width: size, height: size,
      tile, overlap, batch, threads, spinning: opts.spinning ?? false,
      tiles: planTiles(size, size, tile, overlap, runner.align).length,
      loadMs: round(loadMs), warmupMs: round(warmupMs), runsMs: runsMs.map(round), medianMs: round(medianMs),
      cpuMsPerRun: round(cpuMsPerRun),
      msPerMegapixel: round(medianMs / megapixels), megapixelsPerSecond: round((megapixels * 1000) / medianMs, 3),
      peakRssMb: round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    await runner.release();
  }
}

export function formatBench(r: InferenceBenchResult): string {
  return `inference ${r.width}x${r.height} on ${r.provider} (tile ${r.tile}, overlap ${r.overlap}, batch ${r.batch}, ` +
    `${r.tiles} tiles): median ${r.medianMs} ms = ${r.msPerMegapixel} ms/MP ` +
    `(${r.megapixelsPerSecond} MP/s), runs [${r.runsMs.join(', ')}] ms, CPU ${r.cpuMsPerRun} ms/run, peak RSS ${r.peakRssMb} MB`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

async function cli(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string' }, tile: { type: 'string' }, overlap: { type: 'string' },
      batch: { type: 'string' }, threads: { type: 'string' }, repeats: { type: 'string' },
      model: { type: 'string' }, providers: { type: 'string' }, spin: { type: 'boolean' },
    },
  });
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const result = await benchInference({
    ...(values.model ? { modelPath: values.model } : {}),
    ...(values.providers ? { providers: parseProviders(values.providers) } : {}),
    size: num(values.size), tile: num(values.tile), overlap: num(values.overlap),
    batch: num(values.batch), threads: num(values.threads), repeats: num(values.repeats),
    spinning: values.spin ?? false,
  } as InferenceBenchOptions);
  console.log(JSON.stringify(result));
  console.log(formatBench(result));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await cli().catch((err: unknown) => {
    console.error(`inference bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
