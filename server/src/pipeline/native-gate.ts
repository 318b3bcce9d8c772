// Stopping the pipeline worker without taking the process down. Measured with
// onnxruntime-node 1.30: Worker.terminate() while the worker is inside a native onnxruntime
// call (session.run, or session creation while the model loads) aborts the WHOLE process
// ("terminate called after throwing an instance of 'Napi::Error'"): the call returns into an
// environment that is shutting down and the binding's error escapes as a C++ exception.
// Terminating between such calls (idle, reading, decoding, guarding) is safe.
//
// So the worker marks its native calls in a shared word, and the main thread only terminates
// when it can atomically flip that word from IDLE to STOPPING; while a call runs it waits for
// it to return (a call cannot be interrupted anyway). Once STOPPING, the worker refuses to
// start another call, so the termination cannot race a call that is just starting.

import type { Worker } from 'node:worker_threads';

const IDLE = 0;
const NATIVE = 1;
const STOPPING = 2;
const POLL_MS = 10;

/** The shared word: create it on the main thread and pass it in workerData. */
export function createNativeGate(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
}

export class WorkerStoppingError extends Error {
  override name = 'WorkerStoppingError';
}

/** Worker side: run one native call (or a sequence of them) inside the gate. */
export async function inNativeCall<T>(gate: Int32Array, call: () => Promise<T>): Promise<T> {
  if (Atomics.compareExchange(gate, 0, IDLE, NATIVE) !== IDLE) {
    throw new WorkerStoppingError('the pipeline worker is stopping');
  }
  try {
    return await call();
  } finally {
    Atomics.store(gate, 0, IDLE);
  }
}

/** Main side: terminate the worker once it is outside every native call. */
export async function terminateSafely(worker: Worker, gate: Int32Array): Promise<void> {
  // Rare (close, time limit) and bounded by one call, so polling is simpler than waitAsync.
  while (Atomics.compareExchange(gate, 0, IDLE, STOPPING) === NATIVE) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  await worker.terminate();
}
