// The binary answer of /api/try/*: a JSON description and typed arrays in one body, so a
// result crosses at full precision (float32 model values, 16-bit stored pixels) without base64.
// Pure (no Node or browser API): the node writes it, the console and the tests read it.
//
//   "SXRT" | u32 version (1) | u32 JSON byte length | JSON | zero padding to 8 | arrays
//
// All numbers little endian. The JSON holds the caller's fields plus `arrays`: name, element
// type, length and byte offset of each array from the end of the padding (8-aligned, so views
// need no copy).

export const CONTAINER_TYPE = 'application/vnd.sharpxr.try';
const MAGIC = [0x53, 0x58, 0x52, 0x54]; // "SXRT"
const VERSION = 1;

export type ArrayType = 'float32' | 'uint16' | 'int16' | 'uint8' | 'int8';
export type NumericArray = Float32Array | Uint16Array | Int16Array | Uint8Array | Int8Array;

interface ArrayEntry {
  readonly name: string;
  readonly type: ArrayType;
  readonly length: number;
  readonly offset: number;
}

export class ContainerError extends Error {
  override name = 'ContainerError';
}

const BYTES: Record<ArrayType, number> = { float32: 4, uint16: 2, int16: 2, uint8: 1, int8: 1 };

export function arrayType(a: NumericArray): ArrayType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int8Array) return 'int8';
  return 'uint8';
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

export function encodeContainer(meta: Readonly<Record<string, unknown>>, arrays: Readonly<Record<string, NumericArray>>): Uint8Array {
  const entries: ArrayEntry[] = [];
  let at = 0;
  for (const [name, a] of Object.entries(arrays)) {
    entries.push({ name, type: arrayType(a), length: a.length, offset: at });
    at += align8(a.byteLength);
  }
  const json = new TextEncoder().encode(JSON.stringify({ ...meta, arrays: entries }));
  const start = align8(12 + json.length);
  const out = new Uint8Array(start + at);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, json.length, true);
  out.set(json, 12);
  for (const e of entries) {
    const a = arrays[e.name]!;
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), start + e.offset);
  }
  return out;
}

export interface DecodedContainer<M> {
  readonly meta: M;
  readonly arrays: Readonly<Record<string, NumericArray>>;
}

/** Reads a container; the arrays are views on `bytes` (copied first if it is not 8-aligned). */
export function decodeContainer<M = Record<string, unknown>>(input: ArrayBuffer | Uint8Array): DecodedContainer<M> {
  const bytes = input instanceof Uint8Array ? (input.byteOffset % 8 === 0 ? input : input.slice()) : new Uint8Array(input);
  if (bytes.length < 12 || MAGIC.some((b, i) => bytes[i] !== b)) throw new ContainerError('not a SharpXR try container');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(4, true) !== VERSION) throw new ContainerError(`container version ${view.getUint32(4, true)}, expected ${VERSION}`);
  const length = view.getUint32(8, true);
  if (12 + length > bytes.length) throw new ContainerError('container header is truncated');
  const parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length))) as Record<string, unknown> & { arrays?: ArrayEntry[] };
  const arrays: Record<string, NumericArray> = {};
  const start = align8(12 + length);
  for (const e of parsed.arrays ?? []) {
    const size = BYTES[e.type];
    if (!size || e.offset % 8 !== 0 || start + e.offset + e.length * size > bytes.length) throw new ContainerError(`array ${e.name} lies outside the container`);
    arrays[e.name] = view_(e.type, bytes.buffer, bytes.byteOffset + start + e.offset, e.length);
  }
  delete parsed.arrays;
  return { meta: parsed as M, arrays };
}

function view_(type: ArrayType, buffer: ArrayBufferLike, offset: number, length: number): NumericArray {
  switch (type) {
    case 'float32': return new Float32Array(buffer, offset, length);
    case 'uint16': return new Uint16Array(buffer, offset, length);
    case 'int16': return new Int16Array(buffer, offset, length);
    case 'int8': return new Int8Array(buffer, offset, length);
    default: return new Uint8Array(buffer, offset, length);
  }
}
