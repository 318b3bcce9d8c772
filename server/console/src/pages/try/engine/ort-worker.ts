// The in-browser engine's worker: onnxruntime-web (WebAssembly, its own thread pool when the
// page is cross-origin isolated) holds the model, and runTiled, the node's own tiling code,
// runs it over the image in the node's tiles. A worker so that the page stays responsive and
// can show progress while a tile runs (a run holds its thread for hundreds of milliseconds).
import * as ort from 'onnxruntime-web/wasm';
import { runTiled } from '../node-shared.js';
import type { FromWorker, ToWorker } from './protocol.js';

const INPUT = 'noisy';
const OUTPUT = 'denoised';
let session: ort.InferenceSession | undefined;

const post = (m: FromWorker, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(m, transfer);

// One message at a time (one session, one run), and a run gives way to a newer one at its next
// tile: a person who drops another file wants that one, not the rest of the last.
let queue: Promise<void> = Promise.resolve();
let latestRun = 0;

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.type === 'run') latestRun = m.id;
  queue = queue.then(() => (m.type === 'load' ? load(m) : run(m))).catch((err: unknown) => {
    const superseded = err instanceof Superseded;
    post({ type: 'error', id: m.id, message: err instanceof Error ? err.message : String(err), ...(superseded ? { superseded } : {}) });
  });
};

class Superseded extends Error {
  constructor() {
    super('a newer image was given to the engine');
  }
}

async function load(m: Extract<ToWorker, { type: 'load' }>): Promise<void> {
  const started = performance.now();
  // The node serves both files from the console's own assets: never a CDN.
  ort.env.wasm.wasmPaths = m.wasm;
  ort.env.wasm.numThreads = m.threads;
  ort.env.wasm.proxy = false;
  await session?.release();
  session = await ort.InferenceSession.create(new Uint8Array(m.model), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  if (session.inputNames[0] !== INPUT || session.outputNames[0] !== OUTPUT) {
    throw new Error(`the model's input/output are ${session.inputNames.join(',')}/${session.outputNames.join(',')}, not ${INPUT}/${OUTPUT}`);
  }
  // onnxruntime falls back to one thread without SharedArrayBuffer; report what it really uses.
  post({ type: 'loaded', id: m.id, threads: ort.env.wasm.numThreads ?? 1, isolated: self.crossOriginIsolated, ms: performance.now() - started });
}

async function run(m: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  const s = session;
  if (!s) throw new Error('no model loaded');
  const started = performance.now();
  let runs = 0;
  const data = await runTiled(m.pixels, m.width, m.height, m.plan, async (batch, n, h, w) => {
    if (latestRun !== m.id) throw new Superseded();
    const out = await s.run({ [INPUT]: new ort.Tensor('float32', batch, [n, 1, h, w]) });
    const tensor = out[OUTPUT];
    if (!tensor || tensor.type !== 'float32' || tensor.dims.join(',') !== [n, 1, h, w].join(',')) throw new Error(`the model returned no float32 [${n},1,${h},${w}] "${OUTPUT}"`);
    runs++;
    // A copy: the tensor's memory belongs to onnxruntime and is reused by the next run.
    const copy = new Float32Array(tensor.data as Float32Array);
    tensor.dispose();
    return copy;
  }, (done, total) => post({ type: 'progress', id: m.id, done, total }));
  post({ type: 'result', id: m.id, data, ms: performance.now() - started, runs }, [data.buffer]);
}
