// Entry of a decode worker thread (started by worker-pool.ts): decodes one file at a time
// and posts the result back with its big buffers transferred, not copied.

import { parentPort } from 'node:worker_threads';
import { initDecoders } from './decode.js';
import { decodeInstance } from './decode-instance.js';
import { plainDataset, resultTransferList, serializeError, type ReplyMessage, type TaskMessage } from './worker-protocol.js';

if (!parentPort) throw new Error('decode-worker runs as a worker thread; use DecodePool (worker-pool.ts)');
const port = parentPort;

async function run(task: TaskMessage): Promise<void> {
  try {
    const source = task.path ?? task.bytes;
    if (source === undefined) throw new TypeError('decode task without a path or bytes');
    const decoded = await decodeInstance(source, task.parseOptions ?? {});
    const result = { ...decoded, parsed: { ...decoded.parsed, dataset: plainDataset(decoded.parsed.dataset) } };
    port.postMessage({ type: 'result', id: task.id, result } satisfies ReplyMessage, resultTransferList(result));
  } catch (err) {
    // Also a reply that cannot be cloned: the task fails, the worker lives on.
    port.postMessage({ type: 'error', id: task.id, error: serializeError(err) } satisfies ReplyMessage);
  }
}

port.on('message', (task: TaskMessage) => void run(task));

// Instantiating the codec module takes tens of milliseconds; do it before the first file.
// If it fails the rejection ends the thread, and the pool counts a failed start.
await initDecoders();
port.postMessage({ type: 'ready' } satisfies ReplyMessage);
