// The in-browser engine, page side: fetches the registry model from the node (with progress),
// hands it to the onnxruntime-web worker and runs images through it tile by tile. One worker
// and one loaded model are kept for the page's lifetime, so the next file skips the load.
import ortMjs from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import { apiFetch } from '../../../api.js';
import type { TilePlan } from '../node-shared.js';
import type { FromWorker, ToWorker } from './protocol.js';

export interface LoadedModel {
  readonly id: string;
  readonly threads: number;
  readonly isolated: boolean;
  readonly bytes: number;
  /** Download plus session creation. */
  readonly ms: number;
}

/** A run stopped because a newer one was started: nothing to report, nothing to fall back for. */
export class SupersededError extends Error {
  override name = 'SupersededError';
}

export type Progress = (done: number, total: number) => void;

type Reply = Extract<FromWorker, { type: 'loaded' | 'result' }>;

class BrowserEngine {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void; progress?: Progress }>();
  private model: Promise<LoadedModel> | undefined;
  private modelId: string | undefined;

  /** Why this browser cannot run the model at all (then the node runs it), or undefined. */
  unavailable(): string | undefined {
    // A JIT-less browser (Chrome's "JavaScript optimization" blocked by policy, Edge's strict
    // enhanced security) has no WebAssembly at all: onnxruntime-web cannot start.
    if (typeof WebAssembly !== 'object') return 'this browser has WebAssembly turned off (a JIT-less or locked-down browser)';
    if (typeof Worker !== 'function') return 'this browser has no Web Workers';
    return undefined;
  }

  /** As many threads as cores when the page may use SharedArrayBuffer, else one. */
  threadsWanted(): number {
    return self.crossOriginIsolated ? Math.max(1, Math.min(8, navigator.hardwareConcurrency || 1)) : 1;
  }

  load(id: string, onBytes: Progress): Promise<LoadedModel> {
    if (this.model && this.modelId === id) return this.model;
    this.modelId = id;
    this.model = this.fetchAndLoad(id, onBytes);
    this.model.catch(() => { if (this.modelId === id) this.model = this.modelId = undefined; });
    return this.model;
  }

  async run(pixels: Float32Array, width: number, height: number, plan: TilePlan, onTile: Progress): Promise<{ data: Float32Array; ms: number; runs: number }> {
    // A copy goes over: the page keeps its input for re-blending.
    const reply = await this.call({ type: 'run', id: 0, pixels: pixels.slice(), width, height, plan }, onTile);
    if (reply.type !== 'result') throw new Error('the engine answered out of turn');
    return reply;
  }

  private async fetchAndLoad(id: string, onBytes: Progress): Promise<LoadedModel> {
    const started = performance.now();
    const model = await download(`/api/models/${encodeURIComponent(id)}/file`, onBytes);
    const wasm = { mjs: new URL(ortMjs, location.href).href, wasm: new URL(ortWasm, location.href).href };
    const reply = await this.call({ type: 'load', id: 0, model, wasm, threads: this.threadsWanted() });
    if (reply.type !== 'loaded') throw new Error('the engine answered out of turn');
    return { id, threads: reply.threads, isolated: reply.isolated, bytes: model.byteLength, ms: performance.now() - started };
  }

  private call(message: ToWorker, progress?: Progress): Promise<Reply> {
    const id = this.nextId++;
    const worker = this.thread();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...(progress ? { progress } : {}) });
      const transfer = message.type === 'load' ? [message.model] : [message.pixels.buffer as ArrayBuffer];
      worker.postMessage({ ...message, id }, transfer);
    });
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./ort-worker.ts', import.meta.url), { type: 'module', name: 'sharpxr-try-engine' });
    w.onmessage = (e: MessageEvent<FromWorker>) => {
      const m = e.data;
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.type === 'progress') return p.progress?.(m.done, m.total);
      this.pending.delete(m.id);
      if (m.type === 'error') p.reject(m.superseded ? new SupersededError(m.message) : new Error(m.message));
      else p.resolve(m);
    };
    w.onerror = (e) => this.fail(new Error(`the in-browser engine stopped: ${e.message || 'its worker failed to start'}`));
    this.worker = w;
    return w;
  }

  /** Every pending call fails and the worker goes; the next call starts afresh. */
  private fail(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.worker?.terminate();
    this.worker = undefined;
    this.model = this.modelId = undefined;
  }
}

/** GET with the body read chunk by chunk, so the page can show how much of the model has come. */
async function download(path: string, onBytes: Progress): Promise<ArrayBuffer> {
  const res = await apiFetch(path, { headers: { Accept: 'application/octet-stream' } });
  const total = Number(res.headers.get('content-length') ?? 0);
  if (!res.body) return res.arrayBuffer();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    onBytes(received, total || received);
  }
  const out = new Uint8Array(received);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out.buffer;
}

export const browserEngine = new BrowserEngine();
