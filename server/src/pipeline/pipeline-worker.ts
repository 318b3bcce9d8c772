// Inference off the event loop, and out of the node's process. onnxruntime-node's
// session.run holds its calling thread for the whole run (~3 s for a 2000x2128 radiograph on
// 2 cores), which on the main thread would stall the DICOM listener's C-STORE answers and the
// HTTP API. A forked child process holds the model and runs decode -> normalize -> model ->
// guard -> denormalize per file; the parent gets back a DenoisedInstance and derives from it
// with deriveInstance. It is copied over the IPC channel, so it holds the denoised pixels and
// the source's header only: 8.5 MB for a 2000x2128 16-bit image (21 MB when it also held the
// decoded source frame and the source's Pixel Data).
//
// A process, not a worker thread: a native abort in onnxruntime (an allocation failure,
// "terminate called after throwing ...") kills only the child, and SIGKILL can end the child
// at any moment, even inside a run, where terminating a worker thread aborts the whole
// process. So neither the time limit nor close() waits for a run to return. One child, one
// task at a time: a run already uses every core; a second in parallel would only make both
// slower and double the memory.
//
// Failures: decode, model, guard and normalize errors come back as the same classes
// (worker-errors.ts). A child that dies or exceeds the task time limit fails its task with
// PipelineWorkerError and is replaced, reloading the model; three replacements in a row that
// cannot load it mark the worker broken instead of looping.

import type { ChildProcess } from 'node:child_process';
import { checkGuardOptions, DEFAULT_GUARD } from './guard/index.js';
import type { ModelInfo } from './model-info.js';
import {
  PipelineWorkerError, forkPipelineChild, killChild, refChild, type DenoiseTask, type InferTask, type PipelineReply,
  type PipelineRequest, type PipelineWorkerConfig, type PipelineWorkerOptions, type PipelineWorkerStats,
} from './pipeline-protocol.js';
import type { DenoisedInstance } from './process-instance.js';
export { PipelineWorkerError, type PipelineWorkerOptions, type PipelineWorkerStats } from './pipeline-protocol.js';
import { processingParams, processingParamsHash, type ProcessingParams } from './process-params.js';
import { reviveError } from './worker-errors.js';

type TaskRequest = ({ readonly type: 'denoise' } & DenoiseTask) | ({ readonly type: 'infer' } & InferTask);

interface Task {
  readonly message: TaskRequest;
  /** A DenoisedInstance for 'denoise', the model's Float32Array for 'infer'. */
  readonly resolve: (result: DenoisedInstance | Float32Array) => void;
  readonly reject: (err: Error) => void;
}

interface Child {
  readonly process: ChildProcess;
  ready: boolean;
  /** Being killed (timed out, closed, failed to load, the wrong model): no new task goes to it. */
  killed?: boolean;
  task?: Task;
  timer?: NodeJS.Timeout;
  /** Why the model did not load, as the child reported it. */
  loadError?: Error;
  /** A fork or IPC error, for the task's error message. */
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
  private child: Child | undefined;
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
   * Fork the child and load the model in it. Resolves once the model is loaded; rejects
   * with the load error (ModelContractError for a missing or non-conforming file) or a
   * GuardError for invalid guard options, and leaves no process behind.
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
      busy: Boolean(this.child?.task), queued: this.queue.length, restarts: this.restarts,
      ...(this.broken ? { broken: this.broken.message } : {}),
    };
  }

  /** Read, decode, denoise and guard one file in the child; tasks run one at a time, in order. */
  denoise(path: string): Promise<DenoisedInstance> {
    return this.enqueue({ type: 'denoise', id: this.nextId++, path }) as Promise<DenoisedInstance>;
  }

  /**
   * The model alone (tiled as configured) on an image already in the model domain, queued with
   * the jobs like any task: Try it guards and blends the output itself, at any strength.
   */
  infer(pixels: Float32Array, width: number, height: number): Promise<Float32Array> {
    return this.enqueue({ type: 'infer', id: this.nextId++, pixels, width, height }) as Promise<Float32Array>;
  }

  private enqueue(message: TaskRequest): Promise<DenoisedInstance | Float32Array> {
    if (this.closed) return Promise.reject(new PipelineWorkerError('the pipeline worker is closed'));
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      this.pump();
    });
  }

  /** Fail queued and running tasks and end the child (freeing the model's memory) at once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closedError = (): PipelineWorkerError => new PipelineWorkerError('the pipeline worker was closed');
    for (const task of this.queue.splice(0)) task.reject(closedError());
    const child = this.child;
    this.child = undefined;
    if (!child) return;
    this.finish(child)?.reject(closedError());
    await this.kill(child);
  }

  /** Hands the next queued task to an idle, ready child; then updates the ref (see updateRef). */
  private pump(): void {
    const child = this.child;
    if (child?.ready && !child.killed && !child.task && this.queue.length > 0) {
      const task = this.queue.shift()!;
      child.task = task;
      if (this.timeoutMs > 0) {
        child.timer = setTimeout(() => this.timedOut(child), this.timeoutMs);
        child.timer.unref();
      }
      this.send(child, task.message);
    }
    this.updateRef();
  }

  private send(child: Child, request: PipelineRequest): void {
    // Fails only when the child is dying: its 'exit' fails the task.
    child.process.send(request, (err) => {
      if (err) child.lastError ??= err;
    });
  }

  /**
   * Keep the process alive while something waits on the child (the first load, a task, a
   * queued task during a restart); an idle child, model loaded, does not hold it open.
   */
  private updateRef(): void {
    if (this.child) refChild(this.child.process, Boolean(this.boot || this.child.task || this.queue.length > 0));
  }

  /** Clears the child's task (and its timer) and returns it. */
  private finish(child: Child): Task | undefined {
    const task = child.task;
    if (child.timer) clearTimeout(child.timer);
    child.task = undefined;
    child.timer = undefined;
    return task;
  }

  private timedOut(child: Child): void {
    const task = this.finish(child);
    task?.reject(new PipelineWorkerError(`${what(task)} took longer than ${this.timeoutMs} ms; the pipeline process was replaced`));
    void this.kill(child); // 'exit' replaces it
  }

  private kill(child: Child): Promise<void> {
    child.killed = true;
    return killChild(child.process);
  }

  private spawn(): void {
    const proc = forkPipelineChild();
    const child: Child = { process: proc, ready: false };
    this.child = child;
    proc.on('message', (reply: PipelineReply) => this.onReply(child, reply));
    proc.on('error', (err) => {
      child.lastError ??= err;
      if (proc.pid === undefined) this.onExit(child, null, null); // the fork failed: no 'exit' comes
    });
    proc.on('exit', (code, signal) => this.onExit(child, code, signal));
    this.send(child, { type: 'load', config: this.config });
    this.updateRef();
    this.options.onChild?.(proc);
  }

  private onReply(child: Child, reply: PipelineReply): void {
    switch (reply.type) {
      case 'log':
        return this.options.onLog?.(reply.message, reply.level);
      case 'ready':
        return this.onReady(child, reply.info);
      case 'load-failed':
        child.loadError = reviveError(reply.error);
        void this.kill(child); // onExit reports the error
        return;
      default:
        if (child.task?.message.id !== reply.id) return; // a late reply for a task that timed out
        this.settle(child, reply.type === 'result' ? reply.result : reply.type === 'inferred' ? reply.data : reviveError(reply.error));
    }
  }

  private settle(child: Child, outcome: DenoisedInstance | Float32Array | Error): void {
    const task = this.finish(child);
    if (outcome instanceof Error) task?.reject(outcome);
    else task?.resolve(outcome);
    this.pump();
  }

  private onReady(child: Child, info: ModelInfo): void {
    if (this.child !== child || child.killed) return;
    child.ready = true;
    this.failedStarts = 0;
    const boot = this.boot;
    this.boot = undefined;
    if (boot) boot.resolve(info);
    else if (JSON.stringify(info) !== JSON.stringify(this.modelInfo)) {
      // The file changed on disk: results would no longer match the UIDs and queue keys
      // made from `info`. Refuse rather than mix two models under one name.
      this.markBroken(new PipelineWorkerError(`the reloaded model differs from the one started with ` +
        `(${JSON.stringify(this.modelInfo)} -> ${JSON.stringify(info)}); restart the node`));
      void this.kill(child);
      return;
    }
    this.pump();
  }

  private onExit(child: Child, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return; // closed, or already replaced
    this.child = undefined;
    const how = `${signal ? `signal ${signal}` : `code ${code}`}${child.lastError ? `: ${child.lastError.message}` : ''}`;
    const boot = this.boot;
    this.boot = undefined;
    if (boot) return boot.reject(child.loadError ?? new PipelineWorkerError(`the pipeline process exited (${how}) while loading the model`, { cause: child.lastError }));
    const task = this.finish(child);
    task?.reject(new PipelineWorkerError(`the pipeline process exited (${how}) while ${what(task)}`, { cause: child.lastError }));
    if (this.closed || this.broken) return;
    this.restarts++;
    if (!child.ready && ++this.failedStarts >= MAX_FAILED_STARTS) {
      const why = child.loadError ? `: ${child.loadError.name}: ${child.loadError.message}` : ` (exit ${how})`;
      return this.markBroken(new PipelineWorkerError(`the pipeline worker cannot reload the model${why}`, { cause: child.loadError }));
    }
    this.respawn();
  }

  /** A replacement. fork() throws only on unusual errors (ENOMEM): broken then, rather than a loop. */
  private respawn(): void {
    try {
      this.spawn();
    } catch (err) {
      this.markBroken(new PipelineWorkerError(`cannot fork the pipeline process: ${(err as Error).message}`, { cause: err }));
    }
  }

  private markBroken(error: Error): void {
    this.broken = error;
    for (const task of this.queue.splice(0)) task.reject(error);
  }
}

function what(task: Task): string {
  const m = task.message;
  return m.type === 'denoise' ? `denoising ${m.path}` : `running the model on a ${m.width}x${m.height} image`;
}
