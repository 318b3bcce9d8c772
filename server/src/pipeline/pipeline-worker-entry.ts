// Entry of the pipeline child process (forked by pipeline-worker.ts): loads the model once,
// then runs decode -> normalize -> model -> guard -> denormalize for one file at a time and
// sends the denoised instance (the denoised pixels, the source's header, small figures) back
// over the IPC channel. The parent sends one task at a time,
// so a run never competes with another for the cores.
//
// A process rather than a worker thread so that a native abort inside onnxruntime ends only
// this process, and so that the parent can SIGKILL it at any moment: terminating a worker
// thread while it is inside an onnxruntime call aborts the whole process.

import { initDecoders, inThreadDecoder } from './decode/index.js';
import { ModelRunner, type LogFn } from './infer/index.js';
import { describeModel } from './model-info.js';
import type { DenoiseTask, InferTask, PipelineReply, PipelineRequest, PipelineWorkerConfig } from './pipeline-protocol.js';
import { denoiseInstance, type ProcessInstanceDeps } from './process-instance.js';
import { serializeError } from './worker-errors.js';

if (!process.send) throw new Error('pipeline-worker-entry runs as a forked child process; use PipelineWorker (pipeline-worker.ts)');

// The parent is gone (exited, crashed, killed with SIGKILL): no task can arrive and no result
// be delivered any more, so end now (between two tiles) rather than finish the run first.
process.on('disconnect', () => process.exit(0));
// Ctrl-C signals the terminal's whole process group and systemd signals every process of the
// service, but the parent may be finishing a job during its graceful shutdown: it ends this
// process itself (close), and so does its death (above). SIGKILL still works.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => {});

function send(reply: PipelineReply): void {
  // The callback takes the error of a send to a parent that is gone; 'disconnect' ends us then.
  process.send!(reply, undefined, undefined, () => {});
}

async function run(task: DenoiseTask, deps: ProcessInstanceDeps): Promise<void> {
  try {
    const result = await denoiseInstance({ path: task.path }, deps);
    send({ type: 'result', id: task.id, result }); // throws here if the result cannot be cloned
  } catch (err) {
    // Also a reply that cannot be cloned: the task fails, the child (and its model) lives on.
    send({ type: 'error', id: task.id, error: serializeError(err) });
  }
}

/** The model alone, tiled as configured (Try it); the parent guards and blends. */
async function infer(task: InferTask, deps: ProcessInstanceDeps): Promise<void> {
  try {
    const data = await deps.model.denoise(task.pixels, task.width, task.height);
    send({ type: 'inferred', id: task.id, data });
  } catch (err) {
    send({ type: 'error', id: task.id, error: serializeError(err) });
  }
}

async function load(config: PipelineWorkerConfig): Promise<ProcessInstanceDeps> {
  const log: LogFn = (message, level) => send({ type: 'log', message, level });
  // The codec module takes tens of milliseconds to instantiate: load it with the model.
  const [runner] = await Promise.all([ModelRunner.load(config.modelPath, { ...config.runner, log }), initDecoders()]);
  const { guard, window, extraParams } = config;
  // Decoding here too: this process is the one to block, and the pixels cross only once.
  return { decoder: inThreadDecoder, model: describeModel(runner), guard, window, extraParams };
}

let deps: ProcessInstanceDeps | undefined;

async function start(config: PipelineWorkerConfig): Promise<void> {
  try {
    deps = await load(config);
    send({ type: 'ready', info: deps.model.info });
  } catch (err) {
    // The parent kills this process once it has read this: exiting here could lose the message.
    send({ type: 'load-failed', error: serializeError(err) });
  }
}

// One listener for both requests, so the channel (and this process) stays up in between. The
// parent sends tasks only after 'ready'.
process.on('message', (request: PipelineRequest) => {
  if (request.type === 'load') void start(request.config);
  else if (!deps) return;
  else if (request.type === 'infer') void infer(request, deps);
  else void run(request, deps);
});
