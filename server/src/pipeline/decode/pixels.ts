// Native little-endian samples -> typed stored values, reduced to Bits Stored.
//
// Two rules, because the bits above Bits Stored mean different things:
// - native, RLE and lossless codecs reproduce the stored words bit for bit, so bits outside
//   High Bit..High Bit-Bits Stored+1 are not pixel data (overlays, garbage): shift, mask, and
//   sign-extend. This is what DCMTK and pydicom do, so results match them.
// - lossy codecs of unsigned data can overshoot past 2^BitsStored - 1 (a 10-bit image coded as
//   12-bit JPEG rings above 1023); masking would wrap a bright edge to black, so clamp instead.

import type { PixelAttributes } from './attributes.js';

export type StoredPixels = Uint8Array | Int8Array | Uint16Array | Int16Array;

export type Reduction = 'mask' | 'clamp';

type Bits = Pick<PixelAttributes, 'bitsAllocated' | 'bitsStored' | 'highBit' | 'pixelRepresentation'>;

/** Samples as numbers of bitsAllocated bits (unsigned view of the raw words). */
function rawSamples(bytes: Uint8Array, bitsAllocated: 8 | 16, count: number): Uint8Array | Uint16Array {
  if (bitsAllocated === 8) return bytes.subarray(0, count);
  // Every platform Node runs on is little endian, so a Uint16Array view reads LE words; copy
  // when the bytes are not 2-aligned (a view would throw).
  const aligned = bytes.byteOffset % 2 === 0 ? bytes : bytes.slice();
  return new Uint16Array(aligned.buffer, aligned.byteOffset, count);
}

export function toStoredValues(bytes: Uint8Array, count: number, bits: Bits, reduction: Reduction): StoredPixels {
  const raw = rawSamples(bytes, bits.bitsAllocated, count);
  const signed = bits.pixelRepresentation === 1;
  const shift = bits.highBit + 1 - bits.bitsStored;
  const full = bits.bitsStored === bits.bitsAllocated && shift === 0;
  const out = makeOutput(bits.bitsAllocated, signed, count);
  if (full) {
    // Nothing to reduce: reinterpret the words (two's complement when signed).
    out.set(signed ? reinterpretSigned(raw) : raw);
  } else if (reduction === 'clamp' && !signed) {
    clampInto(raw, out, 2 ** bits.bitsStored - 1);
  } else {
    maskInto(raw, out, shift, bits.bitsStored, signed);
  }
  return out;
}

function makeOutput(bitsAllocated: 8 | 16, signed: boolean, count: number): StoredPixels {
  if (bitsAllocated === 8) return signed ? new Int8Array(count) : new Uint8Array(count);
  return signed ? new Int16Array(count) : new Uint16Array(count);
}

function reinterpretSigned(raw: Uint8Array | Uint16Array): Int8Array | Int16Array {
  return raw instanceof Uint8Array
    ? new Int8Array(raw.buffer, raw.byteOffset, raw.length)
    : new Int16Array(raw.buffer, raw.byteOffset, raw.length);
}

function clampInto(raw: Uint8Array | Uint16Array, out: StoredPixels, max: number): void {
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i]!;
    out[i] = v > max ? max : v;
  }
}

function maskInto(raw: Uint8Array | Uint16Array, out: StoredPixels, shift: number, bitsStored: number, signed: boolean): void {
  const mask = 2 ** bitsStored - 1;
  const signBit = 2 ** (bitsStored - 1);
  const wrap = 2 ** bitsStored;
  for (let i = 0; i < raw.length; i++) {
    const v = (raw[i]! >> shift) & mask;
    out[i] = signed && v >= signBit ? v - wrap : v;
  }
}
