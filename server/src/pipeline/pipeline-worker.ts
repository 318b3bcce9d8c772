// Inference off the event loop. onnxruntime-node's session.run holds its calling thread for
// the whole run (300-430 ms per 768 tile on 2 cores; ~3 s for a 2000x2128 radiograph), which
// on the main thread would stall the DICOM listener's C-STORE answers and the HTTP API. One
// worker thread holds the model instead and runs decode -> normalize -> model -> guard ->
// denormalize per file; the main thread gets back a DenoisedInstance (pixels transferred, not
// copied) and derives from it with deriveInstance as before.
//
// One thread, one task at a time: a run already uses every core, so a second one in parallel
// would only make both slower and double the memory. The model is loaded in the worker only.
//
// Failures: decode, model, guard and normalize errors come back as the same classes
// (pipeline-protocol.ts). A worker that dies (uncaught error, out of memory, process.exit,
// terminated) or exceeds the task time limit fails its task with PipelineWorkerError and is
// replaced, reloading the model; three replacements in a row that cannot load it mark the
// worker broken instead of looping.

import type { Worker } from 'node:worker_threads';
import { createNativeGate, terminateSafely } from './native-gate.js';
import { checkGuardOptions, DEFAULT_GUARD, type GuardOptions } from './guard/index.js';
import type { LogFn } from './infer/index.js';
import type { ModelInfo } from './model-info.js';
import type { WindowOptions } from './normalize/index.js';
import {
  PipelineWorkerError, createPipelineThread, revivePipelineError, type DenoiseTask, type PipelineReply,
  type PipelineWorkerConfig, type WorkerRunnerOptions,
} from './pipeline-protocol.js';
import type { DenoisedInstance } from './process-instance.js';
export { PipelineWorkerError } from './pipeline-protocol.js';
import { processingParams, processingParamsHash, type ProcessingParams } from './process-params.js';

export interface PipelineWorkerOptions {
  readonly modelPath: string;
  /** As for ModelRunner.load, without `log`: the worker's log lines go to onLog. */
  readonly runner?: WorkerRunnerOptions;
  readonly guard?: GuardOptions;
  readonly window?: WindowOptions;
  readonly extraParams?: Readonly<Record<string, unknown>>;
  /** A task running longer fails with PipelineWorkerError and the worker is replaced (default 300 s; 0 = no limit). */
  readonly taskTimeoutMs?: number;
  /** The model loader's messages (which provider runs, which were skipped and why). */
  readonly onLog?: LogFn;
  /** Called with each worker thread as it starts (monitoring; tests use it to kill one). */
  readonly onWorker?: (worker: Worker) => void;
}

export interface PipelineWorkerStats {
  readonly busy: boolean;
  readonly queued: number;
  /** Workers that died or timed out and were replaced. */
  readonly restarts: number;
  /** Why every task now fails (the model cannot be reloaded): for /health. */
  readonly broken?: string;
}

interface Task {
  readonly message: DenoiseTask;
  readonly resolve: (result: DenoisedInstance) => void;
  readonly reject: (err: Error) => void;
}

interface Thread {
  readonly worker: Worker;
  /** Set while the worker is inside an onnxruntime call: see native-gate.ts. */
  readonly gate: Int32Array;
  ready: boolean;
  /** Being terminated (timed out, or the wrong model): no new task goes to it. */
  retiring?: boolean;
  task?: Task;
  timer?: NodeJS.Timeout;
  /** Why the model did not load, as the worker reported it. */
  loadError?: Error;
  /** The uncaught error that is about to end this worker, for the task's error message. */
  lastError?: Error;
}

interface Boot {
  readonly resolve: (info: ModelInfo) => void;
  readonly reject: (err: Error) => void;
}

// A 2000x2128 image takes ~3 s on 2 cores; the limit is for a hung run, not a slow one.
const DEFAULT_TIMEOUT_MS = 300_000;
const MAX_FAILED_STARTS = 3;

export class PipelineWorker {
  private thread: Thread | undefined;
  private readonly queue: Task[] = [];
  private readonly timeoutMs: number;
  private readonly config: PipelineWorkerConfig;
  private modelInfo: ModelInfo | undefined;
  private boot: Boot | undefined;
  private nextId = 1;
  private restarts = 0;
  private failedStarts = 0;
  private closed = false;
  private broken: Error | undefined;

  private constructor(private readonly options: PipelineWorkerOptions) {
    this.timeoutMs = options.taskTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const { modelPath, runner = {}, guard, window, extraParams } = options;
    this.config = { modelPath, runner, guard, window, extraParams };
  }

  /**
   * Start the worker and load the model in it. Resolves once the model is loaded; rejects
   * with the load error (ModelContractError for a missing or non-conforming file) or a
   * GuardError for invalid guard options, and leaves no thread behind.
   */
  static async start(options: PipelineWorkerOptions): Promise<PipelineWorker> {
    checkGuardOptions(options.guard ?? DEFAULT_GUARD); // before spending seconds on the model
    const pw = new PipelineWorker(options);
    pw.modelInfo = await new Promise<ModelInfo>((resolve, reject) => {
      pw.boot = { resolve, reject };
      pw.spawn();
    });
    return pw;
  }

  /** The loaded model: id and version (the derived UIDs' provenance), provider, tiling. */
  get info(): ModelInfo {
    return this.modelInfo!; // set before start() resolves
  }

  /** The processing parameters every result carries (the same as processingParams of the options and info). */
  get params(): ProcessingParams {
    const { guard, window, extraParams } = this.config;
    return processingParams({ model: { info: this.info }, guard, window, extraParams });
  }

  /** The queue key's paramsHash for this model and these options. */
  get paramsHash(): string {
    return processingParamsHash(this.params);
  }

  stats(): PipelineWorkerStats {
    return {
      busy: Boolean(this.thread?.task), queued: this.queue.length, restarts: this.restarts,
      ...(this.broken ? { broken: this.broken.message } : {}),
    };
  }

  /** Read, decode, denoise and guard one file in the worker; tasks run one at a time, in order. */
  denoise(path: string): Promise<DenoisedInstance> {
    if (this.closed) return Promise.reject(new PipelineWorkerError('the pipeline worker is closed'));
    if (this.broken) return Promise.reject(this.broken);
    const message: DenoiseTask = { id: this.nextId++, path };
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      this.pump();
      this.updateRef();
    });
  }

  /** Fail queued and running tasks and stop the worker (freeing the model's memory). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closedError = (): PipelineWorkerError => new PipelineWorkerError('the pipeline worker was closed');
    for (const task of this.queue.splice(0)) task.reject(closedError());
    const thread = this.thread;
    this.thread = undefined;
    if (!thread) return;
    this.finish(thread)?.reject(closedError());
    await terminateSafely(thread.worker, thread.gate);
  }

  private pump(): void {
    const thread = this.thread;
    if (!thread?.ready || thread.retiring || thread.task || this.queue.length === 0) return;
    const task = this.queue.shift()!;
    thread.task = task;
    if (this.timeoutMs > 0) {
      thread.timer = setTimeout(() => this.timedOut(thread), this.timeoutMs);
      thread.timer.unref();
    }
    thread.worker.postMessage(task.message);
  }

  /**
   * Keep the process alive while something waits on the worker (the first load, a task, a
   * queued task during a restart); an idle worker, model loaded, does not hold it open.
   */
  private updateRef(): void {
    const worker = this.thread?.worker;
    if (!worker) return;
    if (this.boot || this.thread?.task || this.queue.length > 0) worker.ref();
    else worker.unref();
  }

  /** Clears the thread's task (and its timer) and returns it. */
  private finish(thread: Thread): Task | undefined {
    const task = thread.task;
    if (thread.timer) clearTimeout(thread.timer);
    thread.task = undefined;
    thread.timer = undefined;
    return task;
  }

  private timedOut(thread: Thread): void {
    const task = this.finish(thread);
    task?.reject(new PipelineWorkerError(`denoising ${task.message.path} took longer than ${this.timeoutMs} ms; the worker was replaced`));
    this.retire(thread); // 'exit' replaces it
  }

  private retire(thread: Thread): void {
    thread.retiring = true;
    // A run cannot be interrupted (and terminating inside one aborts the process): the thread ends once it returns.
    void terminateSafely(thread.worker, thread.gate);
  }

  private spawn(): void {
    const gate = createNativeGate();
    const worker = createPipelineThread({ ...this.config, gate });
    const thread: Thread = { worker, gate, ready: false };
    this.thread = thread;
    worker.on('message', (reply: PipelineReply) => this.onReply(thread, reply));
    worker.on('messageerror', (err) => this.settle(thread, new PipelineWorkerError(`unreadable reply from the pipeline worker: ${err.message}`)));
    worker.on('error', (err) => (thread.lastError = err instanceof Error ? err : new Error(String(err))));
    worker.on('exit', (code) => this.onExit(thread, code));
    this.updateRef();
    this.options.onWorker?.(worker);
  }

  private onReply(thread: Thread, reply: PipelineReply): void {
    switch (reply.type) {
      case 'log':
        return this.options.onLog?.(reply.message, reply.level);
      case 'ready':
        return this.onReady(thread, reply.info);
      case 'load-failed':
        thread.loadError = revivePipelineError(reply.error); // the thread ends next; onExit reports it
        return;
      default:
        if (thread.task?.message.id !== reply.id) return; // a late reply for a task that timed out
        this.settle(thread, reply.type === 'result' ? reply.result : revivePipelineError(reply.error));
    }
  }

  private settle(thread: Thread, outcome: DenoisedInstance | Error): void {
    const task = this.finish(thread);
    if (outcome instanceof Error) task?.reject(outcome);
    else task?.resolve(outcome);
    this.pump();
    this.updateRef();
  }

  private onReady(thread: Thread, info: ModelInfo): void {
    if (this.thread !== thread) return;
    thread.ready = true;
    this.failedStarts = 0;
    const boot = this.boot;
    this.boot = undefined;
    if (boot) boot.resolve(info);
    else if (JSON.stringify(info) !== JSON.stringify(this.modelInfo)) {
      // The file changed on disk: results would no longer match the UIDs and queue keys
      // made from `info`. Refuse rather than mix two models under one name.
      this.markBroken(new PipelineWorkerError(`the reloaded model differs from the one started with ` +
        `(${JSON.stringify(this.modelInfo)} -> ${JSON.stringify(info)}); restart the node`));
      this.retire(thread);
      return;
    }
    this.pump();
    this.updateRef();
  }

  private onExit(thread: Thread, code: number): void {
    if (this.thread !== thread) return; // closed, or already replaced
    this.thread = undefined;
    const reason = thread.lastError ? `: ${thread.lastError.message}` : '';
    const boot = this.boot;
    this.boot = undefined;
    if (boot) return boot.reject(thread.loadError ?? new PipelineWorkerError(`the pipeline worker exited (code ${code}) while loading the model${reason}`, { cause: thread.lastError }));
    const task = this.finish(thread);
    task?.reject(new PipelineWorkerError(`the pipeline worker exited (code ${code}) while denoising ${task.message.path}${reason}`, { cause: thread.lastError }));
    if (this.closed || this.broken) return;
    this.restarts++;
    if (!thread.ready && ++this.failedStarts >= MAX_FAILED_STARTS) {
      const why = thread.loadError ? `: ${thread.loadError.name}: ${thread.loadError.message}` : ` (exit ${code}${reason})`;
      return this.markBroken(new PipelineWorkerError(`the pipeline worker cannot reload the model${why}`, { cause: thread.loadError }));
    }
    this.spawn();
  }

  private markBroken(error: Error): void {
    this.broken = error;
    for (const task of this.queue.splice(0)) task.reject(error);
  }
}
