// Decoding off the event loop. The codecs run synchronously inside one WebAssembly module: a
// 2000x2128 JPEG 2000 frame holds its thread for ~0.7 s, which on the node's main thread would
// stall the DICOM listener and the HTTP API. A small pool of worker threads decodes instead;
// the decoded pixels and the source's Pixel Data come back transferred (moved, not copied).
//
// Failures: a decode error comes back as the same DecodeError subclass (worker-protocol.ts).
// A worker that dies (uncaught error, out of memory, terminated) fails its task with
// DecodeWorkerError and is replaced; so is one that exceeds the task time limit. Workers that
// die before they are ready three times in a row mark the pool broken instead of looping.

import type { Worker } from 'node:worker_threads';
import { startWorkerThread } from '../worker-threads.js';
import type { DecodedInstance, InstanceDecoder } from './decode-instance.js';
import type { ParseOptions } from './parse.js';
import { reviveError, wholeBuffer, type ReplyMessage, type TaskMessage } from './worker-protocol.js';

export interface DecodePoolOptions {
  /** Worker threads (default 1): each decodes one file at a time. */
  readonly size?: number;
  /** A task running longer fails with DecodeWorkerError and its worker is replaced (default 120 s; 0 = no limit). */
  readonly taskTimeoutMs?: number;
  readonly parseOptions?: ParseOptions;
  /** Called with each worker thread as it starts (monitoring; tests use it to kill one). */
  readonly onWorker?: (worker: Worker) => void;
}

export interface DecodeOptions {
  /** Move the caller's bytes to the worker instead of copying them (they become unusable). */
  readonly transfer?: boolean;
}

export interface DecodePoolStats {
  readonly size: number;
  readonly busy: number;
  readonly queued: number;
  /** Workers that died or timed out and were replaced. */
  readonly replaced: number;
}

/** The worker, not the file, failed (crash, time limit, closed pool): worth a retry. */
export class DecodeWorkerError extends Error {
  override name = 'DecodeWorkerError';
}

interface Task {
  readonly message: TaskMessage;
  readonly transfer: ArrayBuffer[];
  readonly label: string;
  readonly resolve: (result: DecodedInstance) => void;
  readonly reject: (err: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  task?: Task;
  timer?: NodeJS.Timeout;
  /** The uncaught error that is about to end this worker, for the task's error message. */
  lastError?: Error;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const MAX_FAILED_STARTS = 3;

export class DecodePool implements InstanceDecoder {
  private readonly slots = new Set<Slot>();
  private readonly queue: Task[] = [];
  private readonly timeoutMs: number;
  private nextId = 1;
  private replaced = 0;
  private failedStarts = 0;
  private closed = false;
  private broken: Error | undefined;

  constructor(private readonly options: DecodePoolOptions = {}) {
    const size = options.size ?? 1;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`decode pool size ${size}: need an integer >= 1`);
    this.timeoutMs = options.taskTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    for (let i = 0; i < size; i++) this.spawn();
  }

  get size(): number {
    return this.options.size ?? 1;
  }

  stats(): DecodePoolStats {
    const busy = [...this.slots].filter((s) => s.task).length;
    return { size: this.size, busy, queued: this.queue.length, replaced: this.replaced };
  }

  /** Read (given a path), parse and decode frame 0 in a worker thread. */
  decode(source: string | Uint8Array, options: DecodeOptions = {}): Promise<DecodedInstance> {
    if (this.closed) return Promise.reject(new DecodeWorkerError('the decode pool is closed'));
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    const parseOptions = this.options.parseOptions ?? {};
    if (typeof source === 'string') return this.enqueue({ id, path: source, parseOptions }, [], source);
    // Cloning a view copies its whole ArrayBuffer (all of a large receive buffer, say); copy
    // just the file's bytes instead, unless the caller hands over a buffer of its own.
    const own = options.transfer && wholeBuffer(source) ? source : new Uint8Array(source);
    return this.enqueue({ id, bytes: own, parseOptions }, [own.buffer as ArrayBuffer], `${own.byteLength} bytes`);
  }

  private enqueue(message: TaskMessage, transfer: ArrayBuffer[], label: string): Promise<DecodedInstance> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, transfer, label, resolve, reject });
      this.pump();
    });
  }

  /**
   * Fail queued and running tasks and stop every worker. (An idle pool does not keep the
   * process alive, but its threads and codec memory stay until this is called.)
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closedError = (): DecodeWorkerError => new DecodeWorkerError('the decode pool was closed');
    for (const task of this.queue.splice(0)) task.reject(closedError());
    const slots = [...this.slots];
    this.slots.clear();
    for (const slot of slots) this.finish(slot)?.reject(closedError());
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.task) this.start(slot, this.queue.shift()!);
    }
  }

  private start(slot: Slot, task: Task): void {
    slot.task = task;
    slot.worker.ref(); // a pending decode keeps the process alive; an idle pool does not
    if (this.timeoutMs > 0) {
      slot.timer = setTimeout(() => this.timedOut(slot), this.timeoutMs);
      slot.timer.unref();
    }
    try {
      slot.worker.postMessage(task.message, task.transfer);
    } catch (err) {
      this.finish(slot);
      task.reject(err as Error); // DataCloneError: nothing was sent
      this.pump();
    }
  }

  /** Clears the slot's task (and its timer) and returns it. */
  private finish(slot: Slot): Task | undefined {
    const task = slot.task;
    slot.worker.unref();
    if (slot.timer) clearTimeout(slot.timer);
    slot.task = undefined;
    slot.timer = undefined;
    return task;
  }

  private timedOut(slot: Slot): void {
    const task = this.finish(slot);
    task?.reject(new DecodeWorkerError(`decoding ${task.label} took longer than ${this.timeoutMs} ms; its worker was replaced`));
    void slot.worker.terminate(); // 'exit' replaces it
  }

  private spawn(): void {
    // decode-worker.js beside this file, or decode-worker.ts under tsx (see worker-threads.ts).
    const worker = startWorkerThread(import.meta.url, 'decode-worker');
    worker.unref();
    const slot: Slot = { worker, ready: false };
    this.slots.add(slot);
    worker.on('message', (reply: ReplyMessage) => this.onReply(slot, reply));
    worker.on('messageerror', (err) => {
      this.finish(slot)?.reject(new DecodeWorkerError(`unreadable reply from the decode worker: ${err.message}`));
      this.pump();
    });
    worker.on('error', (err) => (slot.lastError = err instanceof Error ? err : new Error(String(err))));
    worker.on('exit', (code) => this.onExit(slot, code));
    this.options.onWorker?.(worker);
  }

  private onReply(slot: Slot, reply: ReplyMessage): void {
    if (reply.type === 'ready') {
      slot.ready = true;
      this.failedStarts = 0;
      return;
    }
    const task = slot.task;
    if (!task || task.message.id !== reply.id) return; // a late reply for a task that timed out
    this.finish(slot);
    if (reply.type === 'result') task.resolve(reply.result);
    else task.reject(reviveError(reply.error));
    this.pump();
  }

  private onExit(slot: Slot, code: number): void {
    if (!this.slots.delete(slot)) return; // closed, or already handled
    const reason = slot.lastError ? `: ${slot.lastError.message}` : '';
    const task = this.finish(slot);
    task?.reject(new DecodeWorkerError(`the decode worker exited (code ${code}) while decoding ${task.label}${reason}`, { cause: slot.lastError }));
    if (this.closed) return;
    this.replaced++;
    if (!slot.ready && ++this.failedStarts >= MAX_FAILED_STARTS) return this.markBroken(`${code}${reason}`);
    this.spawn();
    this.pump();
  }

  private markBroken(reason: string): void {
    this.broken = new DecodeWorkerError(`decode workers cannot start (exit ${reason})`);
    for (const task of this.queue.splice(0)) task.reject(this.broken);
  }
}
