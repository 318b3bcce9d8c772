// Runs the denoising model over full-resolution images in overlapping tiles.
import { existsSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { DEFAULTS, type Provider } from '../../config/index.js';
import { readOnnxInfo, type OnnxFileInfo } from './onnx-metadata.js';
import {
  checkContract,
  INPUT_NAME,
  ModelContractError,
  OUTPUT_NAME,
  intraOpThreads,
  openSession,
  type LogFn,
  type ProviderAttempt,
} from './session.js';
import { padMultiple, runTiled } from './tiled.js';

export interface RunnerOptions {
  providers?: readonly Provider[];
  threads?: number;
  tile?: number;
  overlap?: number;
  /** Tiles per onnxruntime run. */
  batch?: number;
  /** onnxruntime thread spinning (off by default: the node shares its cores). */
  spinning?: boolean;
  log?: LogFn;
}

export class ModelRunner {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly modelPath: string,
    /** The execution provider that actually runs the model. */
    readonly provider: Provider,
    /** Every provider tried, in order, with the reason a skipped one failed. */
    readonly providerAttempts: readonly ProviderAttempt[],
    /** The model's metadata_props (name, version, stage, ...). */
    readonly metadata: Readonly<Record<string, string>>,
    readonly tile: number,
    readonly overlap: number,
    readonly batch: number,
    /** Tile starts snap to this grid (the model's pad multiple); see tileStarts. */
    readonly align: number,
    /** onnxruntime intra-op threads in use (0 in the config resolves to one per core). */
    readonly threads: number,
  ) {}

  /** Load a model once; throws ModelContractError if it is not a SharpXR denoiser. */
  static async load(modelPath: string, opts: RunnerOptions = {}): Promise<ModelRunner> {
    const tile = opts.tile ?? DEFAULTS.tile;
    const overlap = opts.overlap ?? DEFAULTS.overlap;
    if (!Number.isInteger(tile) || !Number.isInteger(overlap) || tile < 1 || overlap < 0 || overlap * 2 > tile) {
      throw new RangeError(`tile ${tile} / overlap ${overlap}: need integers with 0 <= overlap <= tile / 2`);
    }
    if (!existsSync(modelPath)) throw new ModelContractError(`model file not found: ${modelPath}`);
    const info = await readInfo(modelPath);
    const threads = intraOpThreads(opts.threads ?? DEFAULTS.threads);
    const opened = await openSession(modelPath, {
      providers: opts.providers ?? DEFAULTS.providers,
      threads,
      spinning: opts.spinning ?? false,
      ...(opts.log ? { log: opts.log } : {}),
    });
    try {
      checkContract(opened.session, modelPath);
    } catch (err) {
      await opened.session.release();
      throw err;
    }
    opts.log?.(`model ${describe(modelPath, info.metadata)} runs on ${opened.provider}, ${threads} thread${threads === 1 ? '' : 's'}`, 'info');
    return new ModelRunner(opened.session, modelPath, opened.provider, opened.attempts, info.metadata,
      tile, overlap, Math.max(1, opts.batch ?? DEFAULTS.batch), padMultiple(info.metadata), threads);
  }

  /**
   * Denoise a row-major grayscale image in [0, 1]. Images that fit one pass (runsWhole) run
   * whole; larger ones run tile by tile, so memory holds the input, two accumulators and at
   * most `batch` tiles, whatever the image size.
   */
  async denoise(pixels: Float32Array, width: number, height: number): Promise<Float32Array> {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`invalid image size ${width}x${height}`);
    }
    if (pixels.length !== width * height) {
      throw new RangeError(`expected ${width * height} pixels for ${width}x${height}, got ${pixels.length}`);
    }
    const plan = { tile: this.tile, overlap: this.overlap, align: this.align, batch: this.batch };
    return runTiled(pixels, width, height, plan, (data, n, h, w) => this.runBatch(data, n, h, w));
  }

  /** One pass over the whole image, whatever its size (no tiling). */
  async runWhole(pixels: Float32Array, width: number, height: number): Promise<Float32Array> {
    return this.runBatch(pixels, 1, height, width);
  }

  /** One untiled run of a batch of n images of h x w, laid out as [n,1,h,w]. */
  async runBatch(data: Float32Array, n: number, h: number, w: number): Promise<Float32Array> {
    const input = new ort.Tensor('float32', data, [n, 1, h, w]);
    const results = await this.session.run({ [INPUT_NAME]: input });
    const output = results[OUTPUT_NAME];
    if (!output || output.type !== 'float32') {
      throw new ModelContractError(`${this.modelPath}: run returned no float32 "${OUTPUT_NAME}"`);
    }
    const dims = output.dims.join(',');
    if (dims !== [n, 1, h, w].join(',')) {
      throw new ModelContractError(`${this.modelPath}: output shape [${dims}] for input [${n},1,${h},${w}]`);
    }
    return output.data as Float32Array;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

async function readInfo(modelPath: string): Promise<OnnxFileInfo> {
  try {
    return await readOnnxInfo(modelPath);
  } catch (err) {
    throw new ModelContractError(`${modelPath} is not a readable ONNX file: ${(err as Error).message}`);
  }
}

function describe(path: string, meta: Readonly<Record<string, string>>): string {
  const parts = [meta.name, meta.version, meta.stage].filter(Boolean);
  return parts.length > 0 ? `${parts.join(' ')} (${path})` : path;
}
