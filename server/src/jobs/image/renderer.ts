// Renders stored DICOM files for the console's comparison view, off the event loop: one worker
// thread (worker-entry.ts) decodes one file at a time, since a decode already keeps a core
// busy and the pipeline's child has the other. The last few results are kept in memory
// (bounded by count and bytes) keyed by path, size and mtime, so the swipe and difference views
// and a second viewer of the same job do not decode again; concurrent requests for one file
// share one decode.
//
// A worker thread rather than a process: decoding is JavaScript and WebAssembly (errors are
// exceptions, not aborts), and the pixels come back as a transferred buffer, not a copy. A
// decode over the time limit terminates the thread; the next request starts a new one.
import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { reviveError } from '../../pipeline/worker-errors.js';
import type { RenderReply, RenderRequest } from './protocol.js';
import type { RenderedImage } from './render.js';

export interface ImageRendererOptions {
  /** Results kept (default 6). */
  readonly cacheEntries?: number;
  /** Bytes of pixels kept (default 128 MiB: a dozen 2000x2128 radiographs at 16 bits). */
  readonly cacheBytes?: number;
  /** Longest decode before the thread is ended (default 120 s). */
  readonly timeoutMs?: number;
}

interface Task {
  readonly path: string;
  readonly resolve: (image: RenderedImage) => void;
  readonly reject: (err: Error) => void;
}

export class ImageRenderer {
  private worker: Worker | undefined;
  private readonly queue: Task[] = [];
  private current: { task: Task; id: number; timer: NodeJS.Timeout } | undefined;
  private nextId = 1;
  private readonly cache = new Map<string, RenderedImage>();
  private readonly inFlight = new Map<string, Promise<RenderedImage>>();
  private closed = false;
  /** Decodes run so far (cache hits excluded), for tests and metrics. */
  decodes = 0;

  constructor(private readonly options: ImageRendererOptions = {}) {}

  /** The file's pixels and window. Throws ENOENT errors as they are, decode errors revived (DecodeError subclasses). */
  async render(path: string): Promise<RenderedImage> {
    if (this.closed) throw new Error('the image renderer is closed');
    const info = await stat(path);
    const key = `${path}\0${info.size}\0${info.mtimeMs}`;
    const cached = this.cache.get(key);
    if (cached) {
      this.cache.delete(key); // most recently used goes last
      this.cache.set(key, cached);
      return cached;
    }
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.decode(path).then((image) => {
        this.remember(key, image);
        return image;
      }).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('the image renderer closed'));
    this.current?.task.reject(new Error('the image renderer closed'));
    if (this.current) clearTimeout(this.current.timer);
    this.current = undefined;
    await this.worker?.terminate();
    this.worker = undefined;
    this.cache.clear();
  }

  private decode(path: string): Promise<RenderedImage> {
    return new Promise((resolve, reject) => {
      this.queue.push({ path, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.current || this.closed) return;
    const task = this.queue.shift();
    if (!task) return;
    const id = this.nextId++;
    const timeoutMs = this.options.timeoutMs ?? 120_000;
    const timer = setTimeout(() => this.abandon(new Error(`decoding took longer than ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    this.current = { task, id, timer };
    this.decodes++;
    this.thread().postMessage({ id, path: task.path } satisfies RenderRequest);
  }

  private onReply(reply: RenderReply): void {
    const cur = this.current;
    if (!cur || cur.id !== reply.id) return; // the answer of an abandoned task
    clearTimeout(cur.timer);
    this.current = undefined;
    if (reply.ok) cur.task.resolve(reply.image);
    else cur.task.reject(reviveError(reply.error));
    this.pump();
  }

  /** The running task fails and the thread goes (timed out, or the thread died). */
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
    const w = startWorker();
    w.on('message', (reply: RenderReply) => this.onReply(reply));
    w.on('error', (err) => { if (this.worker === w) this.abandon(new Error(`the image decoder failed: ${err.message}`)); });
    w.on('exit', (code) => { if (this.worker === w) this.abandon(new Error(`the image decoder stopped (exit ${code})`)); });
    w.unref(); // an idle renderer must not keep the node running
    this.worker = w;
    return w;
  }

  private remember(key: string, image: RenderedImage): void {
    const maxEntries = this.options.cacheEntries ?? 6;
    const maxBytes = this.options.cacheBytes ?? 128 * 1024 * 1024;
    if (image.words.byteLength > maxBytes || maxEntries < 1) return;
    this.cache.set(key, image);
    let bytes = [...this.cache.values()].reduce((n, i) => n + i.words.byteLength, 0);
    for (const [k, v] of this.cache) {
      if (this.cache.size <= maxEntries && bytes <= maxBytes) break;
      this.cache.delete(k);
      bytes -= v.words.byteLength;
    }
  }

  get cachedEntries(): number {
    return this.cache.size;
  }
}

/**
 * The compiled node runs worker-entry.js directly. From the TypeScript sources (tests, `tsx`)
 * the thread needs tsx registered first: a worker's --import does not reach its ESM loader on
 * Node 20, so a one-line bootstrap registers tsx's API, then imports the .ts entry.
 */
function startWorker(): Worker {
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(`./worker-entry.${ts ? 'ts' : 'js'}`, import.meta.url);
  if (!ts) return new Worker(entry);
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true });
}
