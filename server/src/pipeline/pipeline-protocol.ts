// The messages between pipeline-worker.ts (main thread) and pipeline-worker-entry.ts (the
// thread that holds the model), how a denoised instance and its errors cross the boundary,
// and how the thread is started.
// Errors travel as worker-protocol.ts's {name, message, ...}; this file adds the classes the
// model, the guard and the normalize stages throw, so the caller's `instanceof` keeps working.

import { Worker } from 'node:worker_threads';
import { DecodeWorkerError } from './decode/index.js';
import { plainDataset, resultTransferList, reviveError, wholeBuffer, type SerializedError } from './decode/worker-protocol.js';
import { GuardError, type GuardOptions } from './guard/index.js';
import { ModelContractError, type RunnerOptions } from './infer/index.js';
import type { ModelInfo } from './model-info.js';
import { NormalizeError, type WindowOptions } from './normalize/index.js';
import type { DenoisedInstance } from './process-instance.js';

/**
 * The worker, not the file, failed: it crashed (out of memory, process.exit, terminated), hit
 * the time limit, could not reload the model, or the worker was closed. Worth a retry. A
 * DecodeWorkerError, so code that already treats a dead decode worker as transient treats a
 * dead pipeline worker the same way.
 */
export class PipelineWorkerError extends DecodeWorkerError {
  override name = 'PipelineWorkerError';
}

/** Runner options as they cross to the worker: a log function cannot be cloned. */
export type WorkerRunnerOptions = Omit<RunnerOptions, 'log'>;

/** What the worker needs to load the model and process files (its workerData). */
export interface PipelineWorkerConfig {
  readonly modelPath: string;
  readonly runner: WorkerRunnerOptions;
  readonly guard?: GuardOptions;
  readonly window?: WindowOptions;
  readonly extraParams?: Readonly<Record<string, unknown>>;
}

/** The worker's workerData: the configuration, and its native-call gate (native-gate.ts). */
export interface PipelineWorkerData extends PipelineWorkerConfig {
  readonly gate: Int32Array;
}

export interface DenoiseTask {
  readonly id: number;
  readonly path: string;
}

export type PipelineReply =
  | { readonly type: 'ready'; readonly info: ModelInfo }
  /** The model (or the codecs) did not load; the worker ends after sending this. */
  | { readonly type: 'load-failed'; readonly error: SerializedError }
  | { readonly type: 'log'; readonly message: string; readonly level: 'info' | 'warn' }
  | { readonly type: 'result'; readonly id: number; readonly result: DenoisedInstance }
  | { readonly type: 'error'; readonly id: number; readonly error: SerializedError };

/** The error as an in-thread denoiseInstance or ModelRunner.load would have thrown it. */
export function revivePipelineError(e: SerializedError): Error {
  const err = instantiate(e);
  if (!err) return reviveError(e); // decode errors, file-system errors, anything else by name
  if (err.message !== e.message) err.message = e.message;
  if (e.stack) err.stack = e.stack;
  return err;
}

function instantiate(e: SerializedError): Error | undefined {
  switch (e.name) {
    case 'ModelContractError':
      return new ModelContractError(e.message);
    case 'GuardError':
      return new GuardError(e.message);
    case 'NormalizeError':
      return new NormalizeError(e.message);
    case 'RangeError':
      return new RangeError(e.message);
    case 'TypeError':
      return new TypeError(e.message);
    default:
      return undefined;
  }
}

/** The denoised instance in a form structured clone accepts (dcmjs's decorated values dropped). */
export function cloneableDenoised(d: DenoisedInstance): DenoisedInstance {
  return { ...d, parsed: { ...d.parsed, dataset: plainDataset(d.parsed.dataset) } };
}

/**
 * The buffers a result can move instead of copy: the denoised pixels, the decoded source
 * pixels and the source's Pixel Data (as the decode pool moves them). Only buffers a view
 * covers whole, so nothing else that shares a buffer gets detached.
 */
export function denoisedTransferList(d: DenoisedInstance): ArrayBuffer[] {
  const out = new Set(resultTransferList({ parsed: d.parsed, image: d.image, readMs: 0, decodeMs: 0 }));
  const denoised = wholeBuffer(d.pixels);
  if (denoised) out.add(denoised);
  return [...out];
}

/**
 * Start a pipeline thread. From compiled JavaScript its entry is pipeline-worker-entry.js
 * beside this file. From TypeScript sources (tests under `node --import tsx`) it is the .ts
 * file, and on Node 20 a worker does not inherit the parent's module hooks, so a small
 * bootstrap registers tsx in the worker first (as the decode pool does, decode/worker-pool.ts).
 */
export function createPipelineThread(data: PipelineWorkerData): Worker {
  const options = { workerData: data };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./pipeline-worker-entry.js', import.meta.url), options);
  const entry = new URL('./pipeline-worker-entry.ts', import.meta.url).href;
  let tsxApi: string;
  try {
    tsxApi = import.meta.resolve('tsx/esm/api');
  } catch {
    return new Worker(new URL(entry), options); // a runtime that loads .ts by itself
  }
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}
