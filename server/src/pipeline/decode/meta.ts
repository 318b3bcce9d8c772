// The two small byte-level readers that come before dcmjs: the File Meta Information (always
// explicit VR little endian, group 0002) and, for files without one, a guess of the data set's
// encoding from its first element. Every read is bounds-checked: these see untrusted bytes.

import { MalformedDicomError } from './errors.js';
import { UID } from './syntaxes.js';

export interface MetaHeader {
  transferSyntaxUid?: string;
  /** Offset of the first data set byte. */
  end: number;
}

// VRs whose explicit encoding has 2 reserved bytes and a 32-bit length.
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const ALL_VRS = new Set([
  ...LONG_VRS,
  ...['AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FD', 'FL', 'IS', 'LO', 'LT', 'PN', 'SH', 'SL', 'SS', 'ST', 'TM', 'UI', 'UL', 'US'],
]);

function u16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}

function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

function vrAt(b: Uint8Array, at: number): string | null {
  const vr = String.fromCharCode(b[at]!, b[at + 1]!);
  return ALL_VRS.has(vr) ? vr : null;
}

/**
 * Read group 0002 from `start`. Stops at the group length's end when there is one (so a
 * deflated data set is never misread as meta), else at the first non-0002 element.
 */
export function readMetaHeader(bytes: Uint8Array, start: number): MetaHeader {
  let at = start;
  let limit = bytes.length;
  let transferSyntaxUid: string | undefined;
  while (at + 8 <= limit && u16(bytes, at) === 0x0002) {
    const element = u16(bytes, at + 2);
    const vr = vrAt(bytes, at + 4);
    // Some writers put the meta header in implicit VR; accept that too.
    const long = vr === null || LONG_VRS.has(vr);
    const header = vr === null ? 8 : long ? 12 : 8;
    if (at + header > bytes.length) break;
    const length = vr === null ? u32(bytes, at + 4) : long ? u32(bytes, at + 8) : u16(bytes, at + 6);
    const valueAt = at + header;
    if (length === 0xffffffff || valueAt + length > bytes.length) {
      throw new MalformedDicomError(`file meta header is truncated or corrupt at byte ${at}`);
    }
    if (element === 0x0000 && length === 4 && at === start) limit = Math.min(bytes.length, valueAt + 4 + u32(bytes, valueAt));
    if (element === 0x0010) transferSyntaxUid = asciiValue(bytes.subarray(valueAt, valueAt + length));
    at = valueAt + length;
  }
  return { ...(transferSyntaxUid ? { transferSyntaxUid } : {}), end: at };
}

function asciiValue(bytes: Uint8Array): string | undefined {
  const text = Buffer.from(bytes).toString('latin1').replace(/[\0 ]+$/, '').trim();
  return text.length > 0 ? text : undefined;
}

/**
 * Guess implicit or explicit VR little endian from the first element of a bare data set
 * (ACR-NEMA style files, or a meta header without a syntax). Null when it does not look like
 * a data set at all, so random bytes are reported as "not DICOM".
 */
export function sniffDataSetSyntax(bytes: Uint8Array, start: number): string | null {
  if (start + 8 > bytes.length) return null;
  const group = u16(bytes, start);
  // Data sets begin with a low group: 0008 (identification) or, in old files, 0000-0007. An
  // all-zero start (a preamble with nothing behind it) is not one.
  if (group > 0x0008 || group % 2 !== 0) return null;
  if (bytes.subarray(start, start + 8).every((b) => b === 0)) return null;
  if (vrAt(bytes, start + 4)) return UID.ExplicitVRLittleEndian;
  const length = u32(bytes, start + 4);
  const fits = length === 0xffffffff || start + 8 + length <= bytes.length;
  return fits ? UID.ImplicitVRLittleEndian : null;
}
