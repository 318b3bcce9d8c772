// Sample precision written in a codestream's own header (JPEG SOF, JPEG-LS SOF55, JPEG 2000
// SIZ). Needed because some writers put an 8-bit codestream in a Bits Allocated 16 object, and
// then the codecs disagree on what they return (packed 8-bit samples, 16-bit words, or
// garbage); asking them for 8-bit samples and widening those is the one answer that is right
// for all of them.

import type { CodecId } from './syntaxes.js';

/** Precision in bits, or undefined when the header is not found in the first bytes. */
export function codestreamPrecision(codec: CodecId, frame: Uint8Array): number | undefined {
  switch (codec) {
    case 'jpeg':
    case 'jpeg-ls':
      return jpegPrecision(frame);
    case 'jpeg2000':
    case 'htj2k':
      return j2kPrecision(frame);
    default:
      return undefined;
  }
}

// Only the first bytes are searched: the frame header precedes all entropy-coded data.
const HEADER_SCAN = 64 * 1024;

/**
 * Walk the marker segments from SOI to the first SOFn (C0-CF but DHT C4, JPG C8, DAC CC) or
 * JPEG-LS SOF55 (F7): FF Cn, length(2), P(1). Walking by length, not scanning for FF Cn,
 * because APP segments (EXIF thumbnails) may contain those bytes.
 */
function jpegPrecision(b: Uint8Array): number | undefined {
  if (b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 4 < Math.min(b.length, HEADER_SCAN)) {
    if (b[i] !== 0xff) return undefined;
    const m = b[i + 1]!;
    if (m === 0xff) {
      i++; // fill byte
      continue;
    }
    if ((m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) || m === 0xf7) return b[i + 4];
    if (m === 0xda) return undefined; // start of scan: no frame header before it
    i += 2 + ((b[i + 2]! << 8) | b[i + 3]!);
  }
  return undefined;
}

/**
 * SIZ follows SOC directly: FF4F FF51, Lsiz(2) Rsiz(2), eight 4-byte sizes, Csiz(2), then
 * Ssiz of component 0 at 40 bytes past FF51: precision (Ssiz & 0x7f) + 1. A JP2 file wraps
 * the codestream in boxes, so look for the SOC+SIZ pair.
 */
function j2kPrecision(b: Uint8Array): number | undefined {
  const end = Math.min(b.length - 44, HEADER_SCAN);
  for (let i = 0; i < end; i++) {
    if (b[i] === 0xff && b[i + 1] === 0x4f && b[i + 2] === 0xff && b[i + 3] === 0x51) return (b[i + 42]! & 0x7f) + 1;
  }
  return undefined;
}
