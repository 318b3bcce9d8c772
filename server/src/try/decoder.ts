// Decoding uploads off the event loop: a worker thread (decode-thread.ts) runs the node's own
// decoders one file at a time. A JPEG 2000 radiograph takes seconds on two cores; on the main
// thread that would stall the DICOM listener and the API. A decode over the time limit ends
// the thread (the next upload starts a new one). Nothing is kept once a decode is answered.
import { Worker } from 'node:worker_threads';
import { TryInputError, type TryInput } from './decode-input.js';

export interface DecodeRequest {
  readonly id: number;
  readonly bytes: Uint8Array;
}

export type DecodeReply =
  | { readonly id: number; readonly ok: true; readonly input: TryInput }
  | { readonly id: number; readonly ok: false; readonly error: { name: string; message: string; status?: 400 | 422 } };

interface Task {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly resolve: (input: TryInput) => void;
  readonly reject: (err: Error) => void;
}

export class TryDecoder {
  private worker: Worker | undefined;
  private readonly queue: Task[] = [];
  private current: { task: Task; timer: NodeJS.Timeout } | undefined;
  private nextId = 1;
  private closed = false;

  constructor(private readonly timeoutMs = 120_000) {}

  /** Throws TryInputError for bad input (400/422), other errors for a failing decoder. */
  decode(bytes: Uint8Array): Promise<TryInput> {
    if (this.closed) return Promise.reject(new Error('the try decoder is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, bytes, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error('the try decoder closed'));
    this.abandon(new Error('the try decoder closed'));
    await this.worker?.terminate();
  }

  private pump(): void {
    if (this.current || this.closed) return;
    const task = this.queue.shift();
    if (!task) return;
    const timer = setTimeout(() => this.abandon(new Error(`decoding took longer than ${Math.round(this.timeoutMs / 1000)} s`)), this.timeoutMs);
    this.current = { task, timer };
    this.thread().postMessage({ id: task.id, bytes: task.bytes } satisfies DecodeRequest);
  }

  private onReply(reply: DecodeReply): void {
    const cur = this.current;
    if (!cur || cur.task.id !== reply.id) return;
    clearTimeout(cur.timer);
    this.current = undefined;
    if (reply.ok) cur.task.resolve(reply.input);
    else cur.task.reject(revive(reply.error));
    this.pump();
  }

  private abandon(err: Error): void {
    const cur = this.current;
    this.current = undefined;
    if (cur) {
      clearTimeout(cur.timer);
      cur.task.reject(err);
    }
    const w = this.worker;
    this.worker = undefined;
    void w?.terminate();
    this.pump();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = startThread();
    w.on('message', (reply: DecodeReply) => this.onReply(reply));
    w.on('error', (err) => { if (this.worker === w) this.abandon(new Error(`the try decoder failed: ${err.message}`)); });
    w.on('exit', (code) => { if (this.worker === w) this.abandon(new Error(`the try decoder stopped (exit ${code})`)); });
    w.unref();
    this.worker = w;
    return w;
  }
}

function revive(e: { name: string; message: string; status?: 400 | 422 }): Error {
  if (e.status) return new TryInputError(e.status, e.message);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

/** As the image renderer does: compiled JavaScript directly, the TypeScript sources through tsx. */
function startThread(): Worker {
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(`./decode-thread.${ts ? 'ts' : 'js'}`, import.meta.url);
  if (!ts) return new Worker(entry);
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true });
}
