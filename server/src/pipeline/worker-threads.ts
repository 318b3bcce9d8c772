// How the decode pool (decode/worker-pool.ts) starts its worker threads, from compiled
// JavaScript and from the TypeScript sources alike, and how an error rebuilt on the main
// thread gets back the message and stack the worker saw (also used for the errors of the
// pipeline's child process, pipeline-protocol.ts).
//
// The pipeline itself runs in a child process, not a thread: terminating a worker thread while
// it is inside an onnxruntime call aborts the whole process (pipeline-worker.ts).

import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Start the worker thread whose entry is `name` (without extension) beside the module at
 * `moduleUrl` (the caller's import.meta.url).
 *
 * From compiled JavaScript the entry is `name`.js. From TypeScript sources (tests under
 * `node --import tsx`) it is `name`.ts, and on Node 20 a worker does not inherit the parent's
 * module hooks (an --import in its execArgv is not enough), so a small bootstrap registers tsx
 * in the worker before importing the entry.
 */
export function startWorkerThread(moduleUrl: string, name: string, options: WorkerOptions = {}): Worker {
  if (!moduleUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, moduleUrl), options);
  const entry = new URL(`./${name}.ts`, moduleUrl).href;
  let tsxApi: string;
  try {
    tsxApi = import.meta.resolve('tsx/esm/api');
  } catch {
    return new Worker(new URL(entry), options); // a runtime that loads .ts by itself
  }
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** What a rebuilt error keeps from the one thrown in the worker (worker-protocol.ts's SerializedError). */
export interface ErrorText {
  readonly message: string;
  readonly stack?: string;
}

/**
 * `err` (an error rebuilt from its class name) with the worker's message and stack: a
 * constructor may have built its own message from its arguments.
 */
export function withWorkerText<E extends Error>(err: E, e: ErrorText): E {
  if (err.message !== e.message) err.message = e.message;
  if (e.stack) err.stack = e.stack;
  return err;
}
