// Try it's decode thread: one uploaded file at a time through decode-input.ts, the stored
// pixels sent back as a transferred buffer. See decoder.ts for why a thread.
import { parentPort } from 'node:worker_threads';
import { initDecoders } from '../pipeline/decode/index.js';
import { decodeTryInput, TryInputError } from './decode-input.js';
import type { DecodeReply, DecodeRequest } from './decoder.js';

const port = parentPort;
if (!port) throw new Error('try decode-thread runs as a worker thread; use TryDecoder (decoder.ts)');

const ready = initDecoders();

port.on('message', (req: DecodeRequest) => void decode(req));

async function decode(req: DecodeRequest): Promise<void> {
  let reply: DecodeReply;
  try {
    await ready;
    reply = { id: req.id, ok: true, input: await decodeTryInput(req.bytes) };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { id: req.id, ok: false, error: { name: e.name, message: e.message, ...(e instanceof TryInputError ? { status: e.status } : {}) } };
  }
  port!.postMessage(reply, reply.ok ? [reply.input.image.pixels.buffer as ArrayBuffer] : []);
}
