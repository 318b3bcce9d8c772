// The pipeline worker's options, the messages between pipeline-worker.ts (the node's process)
// and pipeline-worker-entry.ts (the child process that holds the model), and how the child is
// started and ended. A denoised instance crosses as it is (process-instance.ts keeps it small
// and plain); errors cross as worker-errors.ts's {name, message, ...}.

import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { GuardOptions } from './guard/index.js';
import type { LogFn, RunnerOptions } from './infer/index.js';
import type { ModelInfo } from './model-info.js';
import type { WindowOptions } from './normalize/index.js';
import type { DenoisedInstance } from './process-instance.js';
import type { SerializedError } from './worker-errors.js';

/**
 * The worker, not the file, failed: its child process died (a native abort, out of memory,
 * killed), hit the time limit, could not reload the model, or the worker was closed. Worth a
 * retry (worker/errors.ts retries what it does not know to be permanent).
 */
export class PipelineWorkerError extends Error {
  override name = 'PipelineWorkerError';
}

/** Runner options as they cross to the child: a log function cannot be cloned. */
export type WorkerRunnerOptions = Omit<RunnerOptions, 'log'>;

/** What the child needs to load the model and process files (its 'load' request). */
export interface PipelineWorkerConfig {
  readonly modelPath: string;
  readonly runner: WorkerRunnerOptions;
  readonly guard?: GuardOptions;
  readonly window?: WindowOptions;
  readonly extraParams?: Readonly<Record<string, unknown>>;
}

export interface PipelineWorkerOptions {
  readonly modelPath: string;
  /** As for ModelRunner.load, without `log`: the child's log lines go to onLog. */
  readonly runner?: WorkerRunnerOptions;
  readonly guard?: GuardOptions;
  readonly window?: WindowOptions;
  readonly extraParams?: Readonly<Record<string, unknown>>;
  /** A task running longer fails with PipelineWorkerError and the child is replaced (default 300 s; 0 = no limit). */
  readonly taskTimeoutMs?: number;
  /** The model loader's messages (which provider runs, which were skipped and why). */
  readonly onLog?: LogFn;
  /** Called with each child process as it is forked (monitoring; tests use it to kill one). */
  readonly onChild?: (child: ChildProcess) => void;
}

export interface PipelineWorkerStats {
  readonly busy: boolean;
  readonly queued: number;
  /** Children that died or timed out and were replaced. */
  readonly restarts: number;
  /** Why every task now fails (the model cannot be reloaded): for /health. */
  readonly broken?: string;
}

export interface DenoiseTask {
  readonly id: number;
  readonly path: string;
}

/** The model alone on an image already in the model domain (Try it: the caller guards and blends). */
export interface InferTask {
  readonly id: number;
  readonly pixels: Float32Array;
  readonly width: number;
  readonly height: number;
}

/**
 * Parent to child: 'load' once, right after the fork (Node holds it until the entry module has
 * registered its listener); 'denoise' or 'infer' one at a time once the child is ready.
 */
export type PipelineRequest =
  | { readonly type: 'load'; readonly config: PipelineWorkerConfig }
  | ({ readonly type: 'denoise' } & DenoiseTask)
  | ({ readonly type: 'infer' } & InferTask);

export type PipelineReply =
  | { readonly type: 'ready'; readonly info: ModelInfo }
  /** The model (or the codecs) did not load; the parent then kills the child. */
  | { readonly type: 'load-failed'; readonly error: SerializedError }
  | { readonly type: 'log'; readonly message: string; readonly level: 'info' | 'warn' }
  | { readonly type: 'result'; readonly id: number; readonly result: DenoisedInstance }
  | { readonly type: 'inferred'; readonly id: number; readonly data: Float32Array }
  | { readonly type: 'error'; readonly id: number; readonly error: SerializedError };

/**
 * Fork a pipeline child: pipeline-worker-entry.js beside this file from compiled JavaScript,
 * pipeline-worker-entry.ts with tsx's loader from the TypeScript sources (tests).
 *
 * 'advanced' serialization (v8's structured clone) keeps typed arrays, Buffers and
 * ArrayBuffers as they are; JSON would not. execArgv is set, not inherited: the parent's may
 * hold an `-e` script (which the child would run instead of the entry), --inspect (a port
 * clash) or test-runner flags. stdout and stderr are the node's, as a worker thread's were,
 * so a native abort's message is seen.
 */
export function forkPipelineChild(): ChildProcess {
  const ts = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(`./pipeline-worker-entry.${ts ? 'ts' : 'js'}`, import.meta.url));
  return fork(entry, [], {
    serialization: 'advanced', execArgv: ts ? tsxLoader() : [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** --import of tsx by absolute URL (the child's cwd need not see node_modules), if tsx is there. */
function tsxLoader(): string[] {
  try {
    return ['--import', import.meta.resolve('tsx')];
  } catch {
    return []; // a runtime that loads .ts by itself
  }
}

/** SIGKILL, safe at any point (even inside an onnxruntime run); resolves once it has exited. */
export async function killChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.ref(); // an idle child is unref'd: its exit must keep a close() awaiting it alive
  child.kill('SIGKILL');
  await exited;
}

/** Whether `child` keeps this process alive: its process handle and its IPC channel both do. */
export function refChild(child: ChildProcess, ref: boolean): void {
  if (ref) {
    child.ref();
    child.channel?.ref();
  } else {
    child.unref();
    child.channel?.unref();
  }
}
