// Try it on the node (the fallback of the console's in-browser engine, and the API for
// automation): an uploaded PNG, JPEG or DICOM is decoded in a thread, normalized, run through
// the registry's model in that model's pipeline child (the same ModelRunner, tiling and
// threads as a job, queued with the jobs), then guarded and blended at the strength asked for.
// Nothing is written anywhere: the upload and every array live only as long as the request.
import { existsSync } from 'node:fs';
import type { DerivedObject } from '../derive/index.js';
import { HttpError, notFound } from '../http/errors.js';
import type { GuardOptions } from '../pipeline/guard/index.js';
import type { ModelInfo } from '../pipeline/model-info.js';
import type { ModelPool } from '../pipeline/model-pool.js';
import { padMultiple } from '../pipeline/infer/tiled.js';
import { DEFAULT_TAIL, type WindowOptions } from '../pipeline/normalize/index.js';
import { deriveInstance, type DenoisedInstance, type InstanceDeriveOptions } from '../pipeline/process-instance.js';
import { processingParams, processingParamsHash } from '../pipeline/process-params.js';
import { label, type ModelRecord, type ModelRegistry } from '../registry/index.js';
import { TryDecoder } from './decoder.js';
import { TryInputError, type TryInput } from './decode-input.js';
import { blend, prepare, type Blended, type Prepared } from './steps.js';

export interface TryServiceDeps {
  readonly registry: ModelRegistry;
  readonly pool: ModelPool;
  /** The node's tiling (config.inference): the browser engine must tile the same way. */
  readonly tiling: { readonly tile: number; readonly overlap: number; readonly batch: number };
  /** The node's guard (config.processing.guard); a try may only change the strength. */
  readonly guard: GuardOptions;
  readonly window?: WindowOptions;
  /** As the job worker derives (series offset, suffix, AE title). */
  readonly derive?: InstanceDeriveOptions;
  readonly decoder?: TryDecoder;
}

/** What the browser needs to run a model exactly as the node does. */
export interface TryModel {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly status: string;
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly tile: number;
  readonly overlap: number;
  readonly batch: number;
  /** Tile starts snap to this grid (the model's pad_multiple). */
  readonly align: number;
  readonly guard: { readonly k: number; readonly strength: number; readonly maxClippedFraction: number };
  readonly windowTail: number;
}

export interface TryRun {
  readonly input: TryInput;
  readonly prepared: Prepared;
  /** The model's raw output (model domain), before the guard. */
  readonly output: Float32Array;
  readonly blended: Blended;
  readonly guard: GuardOptions;
  readonly model: ModelRecord;
  readonly info: ModelInfo;
  readonly timings: { readonly decodeMs: number; readonly normalizeMs: number; readonly inferMs: number; readonly guardMs: number; readonly totalMs: number };
}

export class TryService {
  private readonly decoder: TryDecoder;

  constructor(private readonly deps: TryServiceDeps) {
    this.decoder = deps.decoder ?? new TryDecoder();
  }

  /** The model a try runs: `id`, or the active one. Retired models are not offered. */
  async pick(id?: string): Promise<ModelRecord> {
    const model = id ? await this.deps.registry.get(id) : await this.deps.registry.active();
    if (!model) throw new HttpError(503, 'no model is active in the registry');
    if (model.status === 'retired') throw new HttpError(409, `${label(model)} is retired`);
    if (!existsSync(model.file)) throw notFound(`the file of ${label(model)} is missing on the node`);
    return model;
  }

  describe(model: ModelRecord): TryModel {
    const { tile, overlap, batch } = this.deps.tiling;
    const { k, strength, maxClippedFraction } = this.deps.guard;
    return {
      id: model.id, name: model.name, version: model.version, status: model.status, sha256: model.sha256, sizeBytes: model.sizeBytes,
      tile, overlap, batch, align: padMultiple(model.metadata), guard: { k, strength, maxClippedFraction },
      windowTail: this.deps.window?.tail ?? DEFAULT_TAIL,
    };
  }

  decode(bytes: Uint8Array): Promise<TryInput> {
    return this.decoder.decode(bytes).catch((err: Error) => {
      throw err instanceof TryInputError ? new HttpError(err.status, err.message) : err;
    });
  }

  async run(bytes: Uint8Array, options: { modelId?: string; strength?: number } = {}): Promise<TryRun> {
    const started = performance.now();
    const model = await this.pick(options.modelId);
    const input = await this.decode(bytes);
    const { width, height } = input.image;
    let t = performance.now();
    const prepared = prepare(input.image, this.deps.window);
    const normalizeMs = performance.now() - t;
    t = performance.now();
    const { output, info } = await this.deps.pool.use(model.file, async (w) => ({ output: await w.infer(prepared.input, width, height), info: w.info }));
    const inferMs = performance.now() - t;
    t = performance.now();
    const guard = { ...this.deps.guard, strength: options.strength ?? this.deps.guard.strength };
    const blended = blend(input.image, prepared, output, guard);
    const guardMs = performance.now() - t;
    const timings = { decodeMs: input.decodeMs, normalizeMs, inferMs, guardMs, totalMs: performance.now() - started };
    return { input, prepared, output, blended, guard, model, info, timings };
  }

  /** The derived object a job would write for this DICOM at this strength (same code, same UIDs). */
  derive(run: TryRun): DerivedObject {
    const dicom = run.input.dicom;
    if (!dicom) throw new HttpError(400, 'a derived DICOM object needs a DICOM upload');
    const params = processingParams({ model: { info: run.info }, guard: run.guard, ...(this.deps.window ? { window: this.deps.window } : {}) });
    const { image, source } = run.input;
    const uid = dicom.header.dataset['00080018']?.Value?.[0];
    const denoised: DenoisedInstance = {
      header: dicom.header, sourcePixelDataBytes: dicom.pixelDataBytes,
      source: {
        ...(typeof uid === 'string' ? { sopInstanceUid: uid.replace(/[\0 ]+$/, '') } : {}),
        transferSyntaxUid: source.transferSyntaxUid ?? '', width: image.width, height: image.height, bitsStored: image.bitsStored, photometric: image.photometric,
      },
      pixels: run.blended.stored, mapping: run.prepared.mapping, guard: run.blended.report, model: run.info, params, paramsHash: processingParamsHash(params),
      timings: { readMs: 0, decodeMs: run.timings.decodeMs, normalizeMs: run.timings.normalizeMs, inferMs: run.timings.inferMs, guardMs: run.timings.guardMs, denormalizeMs: 0 },
    };
    return deriveInstance(denoised, this.deps.derive).derived;
  }

  async close(): Promise<void> {
    await this.decoder.close();
  }
}
