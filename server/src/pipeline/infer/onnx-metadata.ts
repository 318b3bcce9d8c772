// Reads an ONNX file's metadata_props (name, version, stage, ...) without loading the graph.
// onnxruntime-node 1.30 exposes input/output metadata but not the model's custom metadata,
// so we walk the top-level protobuf fields of ModelProto ourselves and skip over the graph.
import { open, type FileHandle } from 'node:fs/promises';

const MODEL_PRODUCER_NAME = 2;
const MODEL_DOC_STRING = 6;
const MODEL_METADATA_PROPS = 14;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

export interface OnnxFileInfo {
  readonly producer: string;
  readonly docString: string;
  readonly metadata: Readonly<Record<string, string>>;
}

interface Cursor {
  pos: number;
}

/** Parse the top level of a ModelProto; string fields are read, others skipped by length. */
export async function readOnnxInfo(path: string): Promise<OnnxFileInfo> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const cursor: Cursor = { pos: 0 };
    const info = { producer: '', docString: '', metadata: {} as Record<string, string> };
    while (cursor.pos < size) {
      const tag = await readVarint(fh, cursor);
      const field = Math.floor(tag / 8);
      const wire = tag % 8;
      if (wire !== WIRE_LEN) {
        await skipScalar(fh, cursor, wire);
        continue;
      }
      const len = await readVarint(fh, cursor);
      if (cursor.pos + len > size) throw new Error(`truncated field ${field}`);
      if (field === MODEL_METADATA_PROPS) {
        const [k, v] = parseEntry(await readBytes(fh, cursor.pos, len));
        info.metadata[k] = v;
      } else if (field === MODEL_PRODUCER_NAME || field === MODEL_DOC_STRING) {
        const text = (await readBytes(fh, cursor.pos, len)).toString('utf8');
        if (field === MODEL_PRODUCER_NAME) info.producer = text;
        else info.docString = text;
      }
      cursor.pos += len;
    }
    return info;
  } finally {
    await fh.close();
  }
}

async function skipScalar(fh: FileHandle, cursor: Cursor, wire: number): Promise<void> {
  if (wire === WIRE_VARINT) await readVarint(fh, cursor);
  else if (wire === WIRE_I64) cursor.pos += 8;
  else if (wire === WIRE_I32) cursor.pos += 4;
  else throw new Error(`unsupported protobuf wire type ${wire} (not an ONNX file?)`);
}

async function readBytes(fh: FileHandle, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.alloc(len);
  const { bytesRead } = await fh.read(buf, 0, len, pos);
  if (bytesRead !== len) throw new Error('unexpected end of file');
  return buf;
}

async function readVarint(fh: FileHandle, cursor: Cursor): Promise<number> {
  const probe = Buffer.alloc(10);
  const { bytesRead } = await fh.read(probe, 0, 10, cursor.pos);
  const { value, length } = decodeVarint(probe.subarray(0, bytesRead), 0);
  cursor.pos += length;
  return value;
}

/** Varints here are tags and lengths, far below 2^53, so plain numbers are exact. */
function decodeVarint(buf: Buffer, start: number): { value: number; length: number } {
  let value = 0;
  let scale = 1;
  for (let i = start; i < buf.length && i - start < 10; i++) {
    const byte = buf[i]!;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) return { value, length: i - start + 1 };
  }
  throw new Error('malformed varint (not an ONNX file?)');
}

function parseEntry(buf: Buffer): [string, string] {
  let pos = 0;
  let key = '';
  let value = '';
  while (pos < buf.length) {
    const tag = decodeVarint(buf, pos);
    pos += tag.length;
    if (tag.value % 8 !== WIRE_LEN) throw new Error('malformed metadata entry');
    const len = decodeVarint(buf, pos);
    pos += len.length;
    const text = buf.subarray(pos, pos + len.value).toString('utf8');
    if (Math.floor(tag.value / 8) === ENTRY_KEY) key = text;
    else if (Math.floor(tag.value / 8) === ENTRY_VALUE) value = text;
    pos += len.value;
  }
  return [key, value];
}
