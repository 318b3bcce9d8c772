// The image renderer's worker thread: reads, parses and decodes a stored DICOM file with the
// node's own decoder (the pipeline's: every transfer syntax it accepts), then windows it
// (render.ts). A big JPEG 2000 takes seconds on two cores; here that blocks this thread only,
// never the event loop the DICOM listener and the HTTP API share.
import { parentPort } from 'node:worker_threads';
import { decodeInstance, initDecoders } from '../../pipeline/decode/index.js';
import { serializeError } from '../../pipeline/worker-errors.js';
import type { RenderReply, RenderRequest } from './protocol.js';
import { renderDecoded } from './render.js';

const port = parentPort;
if (!port) throw new Error('image worker-entry runs as a worker thread; use ImageRenderer (renderer.ts)');

const ready = initDecoders();

port.on('message', (req: RenderRequest) => void render(req));

async function render(req: RenderRequest): Promise<void> {
  let reply: RenderReply;
  try {
    await ready;
    const { image } = await decodeInstance(req.path);
    reply = { id: req.id, ok: true, image: renderDecoded(image) };
  } catch (err) {
    reply = { id: req.id, ok: false, error: serializeError(err) };
  }
  const transfer = reply.ok ? [reply.image.words.buffer as ArrayBuffer] : [];
  port!.postMessage(reply, transfer);
}
