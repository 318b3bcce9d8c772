// Pixel Data value -> the bytes of frame 0: native samples in little-endian order, or one
// frame's complete codestream for the codecs.

import type { PixelAttributes } from './attributes.js';
import type { DcmjsElement } from './dcmjs-types.js';
import { MalformedDicomError } from './errors.js';
import type { CodecId, TransferSyntax } from './syntaxes.js';

/** Bytes of one native frame. */
export function frameByteLength(a: Pick<PixelAttributes, 'width' | 'height' | 'bitsAllocated' | 'samplesPerPixel'>): number {
  return a.width * a.height * a.samplesPerPixel * (a.bitsAllocated / 8);
}

function asBytes(value: unknown): Uint8Array | null {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return null;
}

/**
 * The values of a Pixel Data element. dcmjs gives one ArrayBuffer per frame when there is a
 * Basic Offset Table (an array of fragment buffers in its no-copy mode), one per fragment when
 * there is none, and one in all for native data.
 */
function entries(element: DcmjsElement): Uint8Array[] {
  return (element.Value ?? []).map((v) => {
    const parts = (Array.isArray(v) ? v : [v]).map(asBytes);
    if (parts.some((p) => p === null)) throw new MalformedDicomError('pixel data has an unreadable value');
    return parts.length === 1 ? parts[0]! : concat(parts as Uint8Array[]);
  });
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Native frame 0 as little-endian samples (a copy). Requires every frame's bytes to be present:
 * a short value means a truncated file, and decoding part of it would hide that.
 */
export function nativeFrame(element: DcmjsElement, syntax: TransferSyntax, attrs: PixelAttributes): Uint8Array {
  const values = entries(element);
  const all = values.length === 1 ? values[0]! : concat(values);
  const frameBytes = frameByteLength(attrs);
  const needed = frameBytes * attrs.numberOfFrames;
  if (all.length < needed) {
    throw new MalformedDicomError(`pixel data is truncated: ${all.length} of ${needed} bytes`);
  }
  const frame = all.slice(0, frameBytes);
  // Big endian OW holds 16-bit words in big-endian order (for 8-bit samples too); OB is bytes.
  if (!syntax.littleEndian && element.vr !== 'OB') swapPairs(frame);
  return frame;
}

function swapPairs(bytes: Uint8Array): void {
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    const t = bytes[i]!;
    bytes[i] = bytes[i + 1]!;
    bytes[i + 1] = t;
  }
}

/**
 * Encapsulated frame 0. dcmjs has already grouped fragments into frames when there is a Basic
 * Offset Table; without one it returns bare fragments, and a frame may span several of them.
 */
export function encapsulatedFrame(element: DcmjsElement, codec: CodecId, numberOfFrames: number): Uint8Array {
  const fragments = entries(element).filter((f) => f.length > 0);
  if (fragments.length === 0) throw new MalformedDicomError('encapsulated pixel data has no fragments');
  if (numberOfFrames === 1) return fragments.length === 1 ? fragments[0]! : concat(fragments);
  if (fragments.length <= numberOfFrames) return fragments[0]!;
  // More fragments than frames and no offset table: frame 0 runs up to the next codestream start.
  const next = fragments.findIndex((f, i) => i > 0 && startsCodestream(f, codec));
  return concat(fragments.slice(0, next > 0 ? next : 1));
}

/** Start-of-codestream markers: JPEG/JPEG-LS SOI, J2K SOC, JP2 signature box, JPEG XL. */
function startsCodestream(f: Uint8Array, codec: CodecId): boolean {
  const [a, b] = [f[0], f[1]];
  switch (codec) {
    case 'jpeg':
    case 'jpeg-ls':
      return a === 0xff && b === 0xd8;
    case 'jpeg2000':
    case 'htj2k':
      return (a === 0xff && b === 0x4f) || (a === 0x00 && b === 0x00 && f[4] === 0x6a && f[5] === 0x50);
    case 'jpeg-xl':
      return (a === 0xff && b === 0x0a) || (a === 0x00 && b === 0x00 && f[4] === 0x4a && f[5] === 0x58);
    default:
      return true; // RLE and uncompressed: one fragment per frame by definition
  }
}
