// PNG where the browser's own decoder falls short. A canvas holds 8 bits per channel, so a
// 16-bit radiograph drawn into one loses half its precision; these read and write 16-bit
// grayscale/colour PNGs with the browser's (De)CompressionStream, sample for sample as pngjs
// does on the node. Interlaced files are left to the node (/api/try/decode).

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

export interface PngHeader {
  readonly width: number;
  readonly height: number;
  readonly depth: number;
  readonly colorType: number;
  readonly interlaced: boolean;
}

/** IHDR of a PNG, or null if `bytes` is not one. */
export function pngHeader(bytes: Uint8Array): PngHeader | null {
  if (bytes.length < 33 || SIGNATURE.some((b, i) => bytes[i] !== b)) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: v.getUint32(16), height: v.getUint32(20), depth: bytes[24]!, colorType: bytes[25]!, interlaced: bytes[28] === 1 };
}

/**
 * A non-interlaced 16-bit PNG as RGBA samples (4 per pixel, 0..65535), the layout pngjs hands
 * the node's imaging module, so the same toGray gives the same gray.
 */
export async function decodePng16(bytes: Uint8Array): Promise<{ width: number; height: number; rgba: Uint16Array }> {
  const h = pngHeader(bytes);
  const channels = h && CHANNELS[h.colorType];
  if (!h || h.depth !== 16 || h.interlaced || !channels) throw new Error('not a non-interlaced 16-bit PNG');
  const raw = await inflate(idat(bytes));
  const stride = h.width * channels * 2;
  if (raw.length < (stride + 1) * h.height) throw new Error('PNG: image data is truncated');
  const rows = unfilter(raw, h.height, stride, channels * 2);
  const rgba = new Uint16Array(h.width * h.height * 4);
  for (let i = 0, p = 0; i < h.width * h.height; i++, p += channels * 2) {
    const s = (k: number) => (rows[p + 2 * k]! << 8) | rows[p + 2 * k + 1]!;
    const gray = channels <= 2;
    rgba[i * 4] = s(0);
    rgba[i * 4 + 1] = gray ? s(0) : s(1);
    rgba[i * 4 + 2] = gray ? s(0) : s(2);
    rgba[i * 4 + 3] = channels === 2 ? s(1) : channels === 4 ? s(3) : 65535;
  }
  return { width: h.width, height: h.height, rgba };
}

/** A grayscale PNG of 8- or 16-bit samples (no filtering; deflate does the work). */
export async function encodeGrayPng(width: number, height: number, samples: Uint8Array | Uint16Array, depth: 8 | 16): Promise<Blob> {
  const bytesPer = depth / 8;
  const stride = width * bytesPer;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    let at = y * (stride + 1) + 1; // filter byte 0 (none) first
    for (let x = 0; x < width; x++) {
      const v = samples[y * width + x]!;
      if (depth === 16) raw[at++] = v >> 8;
      raw[at++] = v & 0xff;
    }
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([depth, 0, 0, 0, 0], 8);
  const parts = [new Uint8Array(SIGNATURE), chunk('IHDR', ihdr), chunk('IDAT', await deflate(raw)), chunk('IEND', new Uint8Array(0))];
  return new Blob(parts as BlobPart[], { type: 'image/png' });
}

function idat(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 8; at + 8 <= bytes.length;) {
    const length = v.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (at + 12 + length > bytes.length) throw new Error('PNG: a chunk runs past the end of the file');
    if (type === 'IDAT') parts.push(bytes.subarray(at + 8, at + 8 + length));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  return concat(parts);
}

/** PNG's five row filters undone in place; `bpp` bytes per pixel. */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number): Uint8Array {
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const type = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = out.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? out.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? row[x - bpp]! : 0;
      const b = up[x]!;
      const c = x >= bpp ? up[x - bpp]! : 0;
      const predictor = type === 1 ? a : type === 2 ? b : type === 3 ? (a + b) >> 1 : type === 4 ? paeth(a, b, c) : 0;
      if (type > 4) throw new Error(`PNG: unknown row filter ${type}`);
      row[x] = (line[x]! + predictor) & 0xff;
    }
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

async function inflate(data: Uint8Array): Promise<Uint8Array> {
  return pipe(data, new DecompressionStream('deflate'));
}

async function deflate(data: Uint8Array): Promise<Uint8Array> {
  return pipe(data, new CompressionStream('deflate'));
}

async function pipe(data: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Blob([data as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

let table: Uint32Array | undefined;

function crc32(bytes: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of bytes) crc = table[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
