// Builders for the decoder tests: synthetic DICOM files written with dcmjs, encapsulated pixel
// data laid out by hand (with or without a Basic Offset Table), frames encoded in process with
// dcmjs-codecs (for the syntaxes DCMTK cannot write), DCMTK command wrappers, and pixel
// comparison. Real encoders and real files only: nothing here imitates a decoder.
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface Element {
  vr: string;
  Value: unknown[];
}
type Dataset = Record<string, Element>;

const dcmjs = require('dcmjs') as {
  data: { DicomDict: new (meta: Dataset) => { dict: Dataset; write(): ArrayBuffer } };
};

interface CodecContext {
  getEncodedBuffer(): Uint8Array;
}
const { NativeCodecs, Context } = require('dcmjs-codecs') as {
  NativeCodecs: Record<string, (ctx: CodecContext, params: Record<string, unknown>) => CodecContext> & {
    initializeAsync(): Promise<void>;
    isInitialized(): boolean;
  };
  Context: new (init: Record<string, unknown>) => CodecContext;
};

export const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  encapsulatedUncompressed: '1.2.840.10008.1.2.1.98',
  deflated: '1.2.840.10008.1.2.1.99',
  explicitBE: '1.2.840.10008.1.2.2',
  rle: '1.2.840.10008.1.2.5',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  jpegExtended: '1.2.840.10008.1.2.4.51',
  jpegLossless: '1.2.840.10008.1.2.4.57',
  jpegLosslessSV1: '1.2.840.10008.1.2.4.70',
  jlsLossless: '1.2.840.10008.1.2.4.80',
  jlsNear: '1.2.840.10008.1.2.4.81',
  j2kLossless: '1.2.840.10008.1.2.4.90',
  j2k: '1.2.840.10008.1.2.4.91',
  jxlLossless: '1.2.840.10008.1.2.4.110',
  htj2kLossless: '1.2.840.10008.1.2.4.201',
  htj2kRpcl: '1.2.840.10008.1.2.4.202',
  htj2k: '1.2.840.10008.1.2.4.203',
  mpeg2: '1.2.840.10008.1.2.4.100',
} as const;

export interface ImageSpec {
  width: number;
  height: number;
  bitsAllocated: 8 | 16 | 32;
  bitsStored: number;
  highBit?: number;
  pixelRepresentation: 0 | 1;
  photometric?: string;
  samplesPerPixel?: number;
  frames?: number;
}

const CR_STORAGE = '1.2.840.10008.5.1.4.1.1.1';

/** A minimal CR image data set (without Pixel Data) for `spec`. */
export function imageDataset(spec: ImageSpec): Dataset {
  const us = (v: number): Element => ({ vr: 'US', Value: [v] });
  return {
    '00080016': { vr: 'UI', Value: [CR_STORAGE] },
    '00080018': { vr: 'UI', Value: ['2.25.424242'] },
    '00080060': { vr: 'CS', Value: ['CR'] },
    '00280002': us(spec.samplesPerPixel ?? 1),
    '00280004': { vr: 'CS', Value: [spec.photometric ?? 'MONOCHROME2'] },
    ...(spec.frames ? { '00280008': { vr: 'IS', Value: [spec.frames] } } : {}),
    '00280010': us(spec.height),
    '00280011': us(spec.width),
    '00280100': us(spec.bitsAllocated),
    '00280101': us(spec.bitsStored),
    '00280102': us(spec.highBit ?? spec.bitsStored - 1),
    '00280103': us(spec.pixelRepresentation),
  };
}

function writeWithDcmjs(transferSyntax: string, dataset: Dataset): Uint8Array {
  const meta: Dataset = {
    '00020001': { vr: 'OB', Value: [new Uint8Array([0, 1]).buffer] },
    '00020002': { vr: 'UI', Value: [CR_STORAGE] },
    '00020003': { vr: 'UI', Value: ['2.25.424242'] },
    '00020010': { vr: 'UI', Value: [transferSyntax] },
    '00020012': { vr: 'UI', Value: ['2.25.77'] },
  };
  const dict = new dcmjs.data.DicomDict(meta);
  dict.dict = dataset;
  return new Uint8Array(dict.write());
}

/** Explicit VR little endian file with native pixel data (`words` as the raw stored words). */
export function nativeFile(spec: ImageSpec, words: Uint8Array | Uint16Array | Int16Array | Int8Array | Uint32Array): Uint8Array {
  const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength).slice();
  return writeWithDcmjs(TS.explicitLE, {
    ...imageDataset(spec),
    '7FE00010': { vr: spec.bitsAllocated === 8 ? 'OB' : 'OW', Value: [bytes.buffer] },
  });
}

/** A data set with no pixel data at all (as a Key Object or SR would be). */
export function nonImageFile(): Uint8Array {
  return writeWithDcmjs(TS.explicitLE, {
    '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.88.59'] },
    '00080018': { vr: 'UI', Value: ['2.25.99'] },
    '00080060': { vr: 'CS', Value: ['KO'] },
  });
}

/**
 * Encapsulated file laid out by hand: each frame split into fragments of `fragmentSize` bytes,
 * with a Basic Offset Table or an empty one (then frames must be found by their markers).
 */
export function encapsulatedFile(
  transferSyntax: string,
  spec: ImageSpec,
  frames: readonly Uint8Array[],
  opts: { fragmentSize?: number; offsetTable?: boolean } = {},
): Uint8Array {
  const head = writeWithDcmjs(transferSyntax, imageDataset({ ...spec, frames: frames.length }));
  const size = opts.fragmentSize ?? Infinity;
  const items: Uint8Array[] = [];
  const offsets: number[] = [];
  let position = 0;
  for (const frame of frames) {
    offsets.push(position);
    for (let at = 0; at < frame.length; at += size) {
      const piece = frame.subarray(at, Math.min(frame.length, at + size));
      const padded = piece.length % 2 ? concatBytes([piece, new Uint8Array(1)]) : piece;
      items.push(item(padded));
      position += 8 + padded.length;
    }
  }
  const bot = new Uint8Array(opts.offsetTable ? offsets.length * 4 : 0);
  if (opts.offsetTable) offsets.forEach((o, i) => new DataView(bot.buffer).setUint32(i * 4, o, true));
  const header = new Uint8Array([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff]);
  const end = new Uint8Array([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
  return concatBytes([head, header, item(bot), ...items, end]);
}

function item(value: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + value.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0xfffe, true);
  view.setUint16(2, 0xe000, true);
  view.setUint32(4, value.length, true);
  out.set(value, 8);
  return out;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export type InProcessEncoder = 'encodeJpeg2000' | 'encodeHtJpeg2000' | 'encodeJpegXl';

/** Encode one frame of stored words with dcmjs-codecs' encoders (OpenJPEG, OpenJPH, libjxl). */
export async function encodeFrame(
  encoder: InProcessEncoder,
  spec: ImageSpec,
  words: Uint16Array | Int16Array | Uint8Array,
  params: Record<string, unknown>,
): Promise<Uint8Array> {
  if (!NativeCodecs.isInitialized()) await NativeCodecs.initializeAsync();
  const context = new Context({
    width: spec.width,
    height: spec.height,
    bitsAllocated: spec.bitsAllocated,
    bitsStored: spec.bitsStored,
    samplesPerPixel: 1,
    pixelRepresentation: spec.pixelRepresentation,
    planarConfiguration: 0,
    photometricInterpretation: spec.photometric ?? 'MONOCHROME2',
    decodedBuffer: new Uint8Array(words.buffer, words.byteOffset, words.byteLength),
  });
  return NativeCodecs[encoder]!(context, params).getEncodedBuffer();
}

/** Run a DCMTK tool; throws with its stderr, and says how to install DCMTK if it is missing. */
export function dcmtk(tool: string, args: readonly string[]): string {
  const run = spawnSync(tool, [...args], { encoding: 'utf8' });
  if (run.error) throw new Error(`${tool} not runnable (${run.error.message}): DCMTK is required, bash scripts/install-system.sh installs it`);
  if (run.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${run.stderr || run.stdout}`);
  return run.stdout;
}

/** Rows, Columns, Bits Stored, Photometric as DCMTK's dcmdump reads them from the header. */
export function headerByDcmdump(path: string): { rows: number; columns: number; bitsStored: number; photometric: string } {
  const out = execFileSync('dcmdump', ['-q', '+P', '0028,0010', '+P', '0028,0011', '+P', '0028,0101', '+P', '0028,0004', path], {
    encoding: 'utf8',
  });
  const value = (tag: string): string => {
    const line = out.split('\n').find((l) => l.startsWith(`(${tag})`));
    if (!line) throw new Error(`dcmdump shows no (${tag}) in ${path}`);
    return line.replace(/^\(\S+\)\s+\S+\s+/, '').replace(/\s+#.*$/, '').replace(/^\[|\]$/g, '');
  };
  return {
    rows: Number(value('0028,0010')),
    columns: Number(value('0028,0011')),
    bitsStored: Number(value('0028,0101')),
    photometric: value('0028,0004'),
  };
}

export interface PixelDiff {
  max: number;
  mean: number;
  firstMismatch: number;
}

export function pixelDiff(a: ArrayLike<number>, b: ArrayLike<number>): PixelDiff {
  if (a.length !== b.length) throw new Error(`pixel counts differ: ${a.length} vs ${b.length}`);
  let max = 0;
  let sum = 0;
  let firstMismatch = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > max) max = d;
    if (d !== 0 && firstMismatch < 0) firstMismatch = i;
    sum += d;
  }
  return { max, mean: a.length ? sum / a.length : 0, firstMismatch };
}

/** Seeded bytes (xorshift32), so a failing random case can be replayed. */
export function seededBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s & 0xff;
  }
  return out;
}
