// Entry of the pipeline worker thread (started by pipeline-worker.ts): loads the model once,
// then runs decode -> normalize -> model -> guard -> denormalize for one file at a time and
// posts the denoised instance back with its pixel buffers transferred, not copied. The main
// thread sends one task at a time, so a run never competes with another for the cores.
// Every onnxruntime call runs inside the native-call gate, so the main thread never terminates
// this thread in the middle of one (which would abort the process; see native-gate.ts).

import { parentPort, workerData } from 'node:worker_threads';
import { initDecoders, inThreadDecoder } from './decode/index.js';
import { serializeError } from './decode/worker-protocol.js';
import { ModelRunner, type LogFn } from './infer/index.js';
import { describeModel, type DescribedDenoiser } from './model-info.js';
import { inNativeCall } from './native-gate.js';
import {
  cloneableDenoised, denoisedTransferList, type DenoiseTask, type PipelineReply, type PipelineWorkerData,
} from './pipeline-protocol.js';
import { denoiseInstance, type ProcessInstanceDeps } from './process-instance.js';

if (!parentPort) throw new Error('pipeline-worker-entry runs as a worker thread; use PipelineWorker (pipeline-worker.ts)');
const port = parentPort;
const { gate, ...config } = workerData as PipelineWorkerData;

function post(reply: PipelineReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(reply, transfer);
}

async function run(task: DenoiseTask, deps: ProcessInstanceDeps): Promise<void> {
  try {
    const result = cloneableDenoised(await denoiseInstance({ path: task.path }, deps));
    post({ type: 'result', id: task.id, result }, denoisedTransferList(result));
  } catch (err) {
    // Also a reply that cannot be cloned: the task fails, the worker (and its model) lives on.
    post({ type: 'error', id: task.id, error: serializeError(err) });
  }
}

async function load(): Promise<DescribedDenoiser> {
  const log: LogFn = (message, level) => post({ type: 'log', message, level });
  // The codec module takes tens of milliseconds to instantiate: load it with the model.
  const [runner] = await Promise.all([
    inNativeCall(gate, () => ModelRunner.load(config.modelPath, { ...config.runner, log })),
    initDecoders(),
  ]);
  const { info } = describeModel(runner);
  // The whole tiled run is one gated call: the tile loop lives inside ModelRunner.
  return { info, denoise: (pixels, width, height) => inNativeCall(gate, () => runner.denoise(pixels, width, height)) };
}

try {
  const model = await load();
  const { guard, window, extraParams } = config;
  // Decoding here too: this thread is the one to block, and the pixels never cross twice.
  const deps: ProcessInstanceDeps = { decoder: inThreadDecoder, model, guard, window, extraParams };
  port.on('message', (task: DenoiseTask) => void run(task, deps));
  post({ type: 'ready', info: model.info });
} catch (err) {
  // No listener is registered, so the thread ends by itself once this is sent.
  post({ type: 'load-failed', error: serializeError(err) });
}
