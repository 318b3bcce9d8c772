// `sharpxr denoise <files or folders...> --out <dir>`: denoise PNG/JPEG files with the
// model, writing <out>/<basename>.png at the input's bit depth, and DICOM files through the
// node's processing stage, writing the derived object to <out>/<basename>.dcm.
import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadInferenceConfig, type InferenceConfig } from '../config/index.js';
import { readImage, writePng } from '../imaging/index.js';
import { DEFAULT_GUARD } from '../pipeline/guard/index.js';
import { ModelRunner } from '../pipeline/infer/index.js';
import { describeModel, type DescribedDenoiser } from '../pipeline/model-info.js';
import { UsageError, type Command, type Io } from './command.js';
import {
  DEFAULT_DICOM_OPTIONS, denoiseDicomJob, dicomOptions, inputKind, takeFromFolder, type DicomOptions, type InputKind,
} from './denoise-dicom.js';

const HELP = `usage: sharpxr denoise <files or folders...> --out <dir> [options]

Denoises chest radiographs. Folders contribute their .png/.jpg/.jpeg and .dcm files, and
extension-less files that are DICOM (not recursive; DICOMDIR is skipped).

  PNG/JPEG -> <out>/<name>.png with the input's bit depth (8-bit JPEG -> 8-bit PNG,
              16-bit PNG -> 16-bit); the model's output as is.
  DICOM    -> <out>/<name>.dcm: a derived DICOM object (new series in the same study,
              deterministic UIDs, labelled NOT FOR DIAGNOSTIC USE), the source's bit depth,
              with the fidelity guard applied; one line per file gives the guard's figures
              (pixels clipped, largest change) and the stage timings.
  A file is DICOM when it has "DICM" at byte 128, or is named .dcm, or has no extension.

options:
  --out <dir>            output folder (created if missing)
  --model <onnx>         model file (default: models/manifest.json's default; env SHARPXR_MODEL)
  --providers <list>     execution providers to try in order (default cuda,cpu; env SHARPXR_PROVIDERS)
  --tile <n>             largest tile edge in pixels (default 768; env SHARPXR_TILE)
  --overlap <n>          tile overlap in pixels (default 128; env SHARPXR_TILE_OVERLAP)
  --threads <n>          onnxruntime threads, 0 = one per core (env SHARPXR_THREADS)
  --batch <n>            tiles per model run (default 1; env SHARPXR_TILE_BATCH)
  --strength <0..1>      DICOM: guard blend, 0 = original, 1 = model (default ${DEFAULT_GUARD.strength})
  --series-offset <n>    DICOM: added to the source Series Number (default 1000)
  --secondary-capture    DICOM: write Secondary Capture objects instead of the source's class
  -h, --help             show this help`;

interface Job {
  readonly input: string;
  readonly output: string;
  readonly kind: InputKind;
}

interface Input {
  readonly path: string;
  readonly kind: InputKind;
}

interface Failure {
  readonly input: string;
  readonly reason: string;
}

export const denoiseCommand: Command = {
  name: 'denoise',
  summary: 'denoise PNG/JPEG and DICOM radiographs into an output folder',
  async run(args, io) {
    let parsed: ReturnType<typeof parseDenoiseArgs>;
    try {
      parsed = parseDenoiseArgs(args);
    } catch (err) {
      // Bad flags get the help text; a bad value (or a missing default model) just the reason.
      const showHelp = err instanceof UsageError || (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS');
      io.err(`sharpxr denoise: ${(err as Error).message}${showHelp ? `\n\n${HELP}` : ''}`);
      return 2;
    }
    if (parsed === 'help') {
      io.out(HELP);
      return 0;
    }
    return denoise(parsed.inputs, parsed.out, parsed.config, io, parsed.dicom);
  },
};

function parseDenoiseArgs(args: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o' },
      model: { type: 'string' },
      providers: { type: 'string' },
      tile: { type: 'string' },
      overlap: { type: 'string' },
      threads: { type: 'string' },
      batch: { type: 'string' },
      strength: { type: 'string' },
      'series-offset': { type: 'string' },
      'secondary-capture': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help' as const;
  if (positionals.length === 0) throw new UsageError('no input files or folders given');
  if (!values.out) throw new UsageError('--out <dir> is required');
  const { strength, 'series-offset': seriesOffset, 'secondary-capture': secondaryCapture, ...inference } = values;
  const config = loadInferenceConfig(inference);
  return { inputs: positionals, out: values.out, config, dicom: dicomOptions({ strength, seriesOffset, secondaryCapture }) };
}

export async function denoise(
  inputs: readonly string[],
  outDir: string,
  config: InferenceConfig,
  io: Io,
  dicom: DicomOptions = DEFAULT_DICOM_OPTIONS,
): Promise<number> {
  const failures: Failure[] = [];
  const jobs = planJobs(await expandInputs(inputs, failures), outDir, failures);
  if (jobs.length === 0) {
    reportEnd(0, failures, io);
    return 1;
  }
  await mkdir(outDir, { recursive: true });
  const runner = await ModelRunner.load(config.modelPath, {
    providers: config.providers,
    threads: config.threads,
    tile: config.tile,
    overlap: config.overlap,
    batch: config.batch,
    // Skipped providers go to stderr; the chosen one is in the start line below.
    log: (message, level) => level === 'warn' && io.err(message),
  });
  io.out(startLine(runner));
  const described = describeModel(runner);
  let done = 0;
  for (const job of jobs) {
    const reason = await runJob(runner, described, job, dicom, io);
    if (reason === null) done++;
    else failures.push({ input: job.input, reason });
  }
  await runner.release();
  reportEnd(done, failures, io);
  return failures.length > 0 ? 1 : 0;
}

function startLine(runner: ModelRunner): string {
  const m = runner.metadata;
  const name = [m.name, m.version, m.stage].filter(Boolean).join(' ') || basename(runner.modelPath);
  const skipped = runner.providerAttempts.filter((a) => !a.ok).map((a) => a.provider);
  const note = skipped.length > 0 ? ` (skipped ${skipped.join(', ')}: unavailable)` : '';
  return `model ${name} from ${runner.modelPath}; provider ${runner.provider}${note}; ` +
    `tile ${runner.tile}, overlap ${runner.overlap}`;
}

function runJob(runner: ModelRunner, described: DescribedDenoiser, job: Job, dicom: DicomOptions, io: Io): Promise<string | null> {
  return job.kind === 'dicom' ? denoiseDicomJob(described, job.input, job.output, dicom, io) : denoiseOne(runner, job, io);
}

/** Returns null on success, else the reason, after printing it; never throws. */
async function denoiseOne(runner: ModelRunner, job: Job, io: Io): Promise<string | null> {
  try {
    const started = performance.now();
    const image = await readImage(job.input);
    const pixels = await runner.denoise(image.pixels, image.width, image.height);
    await writePng(job.output, { ...image, pixels });
    const ms = Math.round(performance.now() - started);
    io.out(`${job.input} -> ${job.output}  ${image.width}x${image.height} ${image.bitDepth}-bit  ${ms} ms`);
    return null;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    io.err(`error: ${job.input}: ${reason}`);
    return reason;
  }
}

/** Files as given; folders contribute their image and DICOM files (sorted, not recursive). */
async function expandInputs(inputs: readonly string[], failures: Failure[]): Promise<Input[]> {
  const files: Input[] = [];
  for (const input of inputs) {
    try {
      if ((await stat(input)).isDirectory()) {
        const names = (await readdir(input)).sort();
        const taken = await filterAsync(names.map((n) => join(input, n)), takeFromFolder);
        if (taken.length === 0) failures.push({ input, reason: 'folder has no .png/.jpg/.jpeg/.dcm or DICOM files' });
        for (const path of taken) files.push({ path, kind: await inputKind(path) });
      } else {
        files.push({ path: input, kind: await inputKind(input) });
      }
    } catch (err) {
      failures.push({ input, reason: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (err as Error).message });
    }
  }
  return files;
}

async function filterAsync<T>(items: readonly T[], keep: (item: T) => Promise<boolean>): Promise<T[]> {
  const out: T[] = [];
  for (const item of items) if (await keep(item)) out.push(item);
  return out;
}

/** One output per input; two inputs with the same base name would overwrite each other. */
function planJobs(files: readonly Input[], outDir: string, failures: Failure[]): Job[] {
  const byOutput = new Map<string, string>();
  const jobs: Job[] = [];
  for (const { path: input, kind } of files) {
    const output = join(outDir, basename(input, extname(input)) + (kind === 'dicom' ? '.dcm' : '.png'));
    const key = resolve(output);
    const earlier = byOutput.get(key);
    if (earlier !== undefined) {
      failures.push({ input, reason: `same output name as ${earlier} (${output})` });
      continue;
    }
    if (resolve(input) === key) {
      failures.push({ input, reason: 'output would overwrite the input; choose another --out' });
      continue;
    }
    byOutput.set(key, input);
    jobs.push({ input, output, kind });
  }
  return jobs;
}

function reportEnd(done: number, failures: readonly Failure[], io: Io): void {
  io.out(`denoised ${done} image${done === 1 ? '' : 's'}, ${failures.length} failed`);
  for (const f of failures) io.err(`failed: ${f.input}: ${f.reason}`);
}
