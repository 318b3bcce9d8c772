// `node server/dist/tools/denoise-stdio.js <model.onnx>`: the node's own model runner on a pipe,
// for `python3 -m training eval --model name=<file>.onnx`. Scoring an exported (or int8) model
// through onnxruntime-node, tiled as the node tiles, is scoring what the node really sends to a
// PACS: PyTorch cannot run an int8 ONNX graph, and a Python onnxruntime is not in Debian.
//
// Frames on stdin: uint32 LE width, uint32 LE height, then width*height float32 LE in [0, 1];
// each answered on stdout by the same header and the denoised pixels. Width 0 ends the run.
// Stdout carries frames only: the model line and errors go to stderr.
import { ModelRunner } from '../pipeline/infer/index.js';

const HEADER = 8;
const MAX_PIXELS = 64 * 1024 * 1024; // 256 MB of float32: far beyond any film, short of a bad header

/** Reads exactly n bytes from stdin, or null at end of input. */
function reader(): (n: number) => Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let buffered = 0;
  let ended = false;
  let wake: (() => void) | null = null;
  process.stdin.on('data', (c: Buffer) => { chunks.push(c); buffered += c.length; wake?.(); });
  process.stdin.on('end', () => { ended = true; wake?.(); });
  return async (n) => {
    while (buffered < n) {
      if (ended) return null;
      await new Promise<void>((r) => { wake = r; });
      wake = null;
    }
    const all = Buffer.concat(chunks);
    chunks.length = 0;
    if (all.length > n) chunks.push(all.subarray(n));
    buffered = all.length - n;
    return all.subarray(0, n);
  };
}

function write(buf: Buffer): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(buf, (err) => (err ? reject(err) : resolve())));
}

async function serve(modelPath: string): Promise<void> {
  const runner = await ModelRunner.load(modelPath, { log: (m) => process.stderr.write(`${m}\n`) });
  const read = reader();
  try {
    for (;;) {
      const header = await read(HEADER);
      if (!header) return;
      const width = header.readUInt32LE(0);
      const height = header.readUInt32LE(4);
      if (width === 0) return;
      if (height === 0 || width * height > MAX_PIXELS) throw new RangeError(`frame of ${width}x${height}: not an image`);
      const body = await read(width * height * 4);
      if (!body) throw new Error(`input ended inside a ${width}x${height} frame`);
      // Copy: the frame's bytes need not sit at a 4-byte-aligned offset.
      const pixels = new Float32Array(new Uint8Array(body).buffer);
      const out = await runner.denoise(pixels, width, height);
      await write(Buffer.concat([header, Buffer.from(out.buffer, out.byteOffset, out.byteLength)]));
    }
  } finally {
    await runner.release();
  }
}

const model = process.argv[2];
if (!model) {
  process.stderr.write('usage: denoise-stdio <model.onnx>\n');
  process.exit(2);
}
serve(model).then(() => process.exit(0), (err: Error) => {
  process.stderr.write(`denoise-stdio: ${err.message}\n`);
  process.exit(1);
});
