// The messages between pipeline-worker.ts (main thread) and pipeline-worker-entry.ts (the
// thread that holds the model), how a denoised instance and its errors cross the boundary,
// and how the thread is started.
// Errors travel as worker-protocol.ts's {name, message, ...}; this file adds the classes the
// model, the guard and the normalize stages throw, so the caller's `instanceof` keeps working.

import type { Worker } from 'node:worker_threads';
import { DecodeWorkerError } from './decode/index.js';
import { plainDataset, resultTransferList, reviveError, wholeBuffer, type SerializedError } from './decode/worker-protocol.js';
import { GuardError, type GuardOptions } from './guard/index.js';
import { ModelContractError, type RunnerOptions } from './infer/index.js';
import type { ModelInfo } from './model-info.js';
import { NormalizeError, type WindowOptions } from './normalize/index.js';
import type { DenoisedInstance } from './process-instance.js';
import { startWorkerThread, withWorkerText } from './worker-threads.js';

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

/** The classes the model, the guard and the normalize stages throw, by name. */
const PIPELINE_ERRORS = new Map<string, new (message: string) => Error>([
  ['ModelContractError', ModelContractError],
  ['GuardError', GuardError],
  ['NormalizeError', NormalizeError],
  ['RangeError', RangeError],
  ['TypeError', TypeError],
]);

/** The error as an in-thread denoiseInstance or ModelRunner.load would have thrown it. */
export function revivePipelineError(e: SerializedError): Error {
  const Class = PIPELINE_ERRORS.get(e.name);
  if (!Class) return reviveError(e); // decode errors, file-system errors, anything else by name
  return withWorkerText(new Class(e.message), e);
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
 * Start a pipeline thread: pipeline-worker-entry.js beside this file from compiled JavaScript,
 * pipeline-worker-entry.ts from the TypeScript sources (the tsx bootstrap in worker-threads.ts).
 */
export function createPipelineThread(data: PipelineWorkerData): Worker {
  return startWorkerThread(import.meta.url, 'pipeline-worker-entry', { workerData: data });
}
