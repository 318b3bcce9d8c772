// One try, start to finish, with either engine. Both end in the same place: the image in the
// model domain (prepare: the node's normalize and noise estimate) and the model's raw output,
// which the page then guards and blends at whatever strength the slider says (steps.ts's
// blend, the node's guard). Only where the model runs differs. When the browser cannot run the
// model (no WebAssembly, or onnxruntime-web fails), an operator's try falls back to the node,
// and the outcome says so and why: the file then leaves the machine (to the node only).
import { apiFetch, query } from '../../api.js';
import type { LoadedInput } from './decode.js';
import { browserEngine, SupersededError, type LoadedModel } from './engine/browser-engine.js';
import { decodeContainer, prepare, tileCount, type Prepared, type StoredImage, type StoredPixels } from './node-shared.js';

export type Engine = 'browser' | 'server';

/** GET /api/try/model. */
export interface TryModel {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly sizeBytes: number;
  readonly tile: number;
  readonly overlap: number;
  readonly batch: number;
  readonly align: number;
  readonly guard: { readonly k: number; readonly strength: number; readonly maxClippedFraction: number };
  readonly windowTail: number;
}

export type Stage =
  | { readonly step: 'model'; readonly done: number; readonly total: number }
  | { readonly step: 'session' }
  | { readonly step: 'tiles'; readonly done: number; readonly total: number }
  | { readonly step: 'server' };

export interface Timings {
  readonly decodeMs: number;
  /** Browser: downloading the model and creating the session (0 when it was loaded before). */
  readonly modelMs: number;
  readonly normalizeMs: number;
  readonly inferMs: number;
  readonly tiles: number;
  /** Server: the whole request, upload to answer. */
  readonly requestMs?: number;
  readonly totalMs: number;
}

export interface TryOutcome {
  /** Where the model ran. */
  readonly engine: Engine;
  /** Why the node ran it when the browser was asked to (the browser could not). */
  readonly fallback?: string;
  readonly input: LoadedInput;
  /** The image as the model's engine saw it (the node's decode for the server engine). */
  readonly image: StoredImage;
  readonly model: TryModel;
  readonly prepared: Prepared;
  readonly output: Float32Array;
  readonly loaded?: LoadedModel;
  readonly provider: string;
  readonly timings: Timings;
}

/** The model run with `engine`; the browser's failures go to the node when `nodeAllowed`. */
export async function runTry(engine: Engine, input: LoadedInput, model: TryModel, onStage: (s: Stage) => void, nodeAllowed: boolean): Promise<TryOutcome> {
  if (engine === 'server') return onNode(input, model, onStage);
  let reason = browserEngine.unavailable();
  if (!reason) {
    try {
      return await inBrowser(input, model, onStage);
    } catch (err) {
      if (err instanceof SupersededError) throw err;
      // The input is decoded already: whatever fails now is the engine (its worker, the
      // WebAssembly, the session, memory), which the node does not share.
      reason = `onnxruntime-web failed: ${(err as Error).message}`;
    }
  }
  if (!nodeAllowed) throw new EngineUnavailableError(`This browser cannot run the model (${reason}); running it on the node instead needs the operator role.`);
  try {
    return { ...(await onNode(input, model, onStage)), fallback: reason };
  } catch (err) {
    throw new EngineUnavailableError(`${(err as Error).message} (the node was running it because ${reason})`);
  }
}

export class EngineUnavailableError extends Error {
  override name = 'EngineUnavailableError';
}

async function inBrowser(input: LoadedInput, model: TryModel, onStage: (s: Stage) => void): Promise<TryOutcome> {
  const started = performance.now();
  let t = performance.now();
  const loaded = await browserEngine.load(model.id, (done, total) => onStage(done < total ? { step: 'model', done, total } : { step: 'session' }));
  const modelMs = performance.now() - t;
  t = performance.now();
  const prepared = prepare(input.image, { tail: model.windowTail });
  const normalizeMs = performance.now() - t;
  const { width, height } = input.image;
  const plan = { tile: model.tile, overlap: model.overlap, align: model.align, batch: 1 };
  onStage({ step: 'tiles', done: 0, total: tileCount(width, height, plan) });
  const ran = await browserEngine.run(prepared.input, width, height, plan, (done, total) => onStage({ step: 'tiles', done, total }));
  return {
    engine: 'browser', input, image: input.image, model, prepared, output: ran.data, loaded, provider: `onnxruntime-web wasm, ${loaded.threads} thread${loaded.threads === 1 ? '' : 's'}`,
    timings: { decodeMs: input.decodeMs, modelMs, normalizeMs, inferMs: ran.ms, tiles: ran.runs, totalMs: input.decodeMs + performance.now() - started },
  };
}

interface NodeRunMeta {
  width: number;
  height: number;
  format: Omit<StoredImage, 'pixels' | 'width' | 'height'>;
  model: { provider: string };
  timings: { decodeMs: number; normalizeMs: number; inferMs: number };
}

async function onNode(input: LoadedInput, model: TryModel, onStage: (s: Stage) => void): Promise<TryOutcome> {
  const started = performance.now();
  onStage({ step: 'server' });
  const res = await apiFetch(`/api/try/denoise${query({ model: model.id, arrays: 'source,model' })}`, { body: input.bytes, contentType: 'application/octet-stream' });
  const { meta, arrays } = decodeContainer<NodeRunMeta>(await res.arrayBuffer());
  const requestMs = performance.now() - started;
  const image: StoredImage = { ...meta.format, width: meta.width, height: meta.height, pixels: arrays.source as StoredPixels };
  // The node's own decode of the file, normalized here with the same code: the same window and
  // noise level the node computed, so blending here gives the node's result.
  const prepared = prepare(image, { tail: model.windowTail });
  const tiles = tileCount(meta.width, meta.height, model);
  return {
    engine: 'server', input, image, model, prepared, output: arrays.model as Float32Array, provider: `onnxruntime-node, ${meta.model.provider}`,
    timings: { decodeMs: meta.timings.decodeMs, modelMs: 0, normalizeMs: meta.timings.normalizeMs, inferMs: meta.timings.inferMs, tiles, requestMs, totalMs: input.decodeMs + performance.now() - started },
  };
}

/** The derived DICOM object the node would write, at this strength (the file goes to the node). */
export async function derivedDicom(input: LoadedInput, model: TryModel, strength: number): Promise<Blob> {
  const res = await apiFetch(`/api/try/denoise${query({ model: model.id, strength, output: 'dicom' })}`, { body: input.bytes, contentType: 'application/dicom' });
  return res.blob();
}
