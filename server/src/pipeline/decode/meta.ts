// The two small byte-level readers that come before dcmjs: the File Meta Information (always
// explicit VR little endian, group 0002) and, for files without one, a guess of the data set's
// encoding from its first element. Every read is bounds-checked: these see untrusted bytes.
// The exporter reads the meta header of our own derived files with the same reader
// (export/part10.ts), so there is one walk of group 0002 in the node.

import { MalformedDicomError } from './errors.js';
import { UID } from './syntaxes.js';
import { KNOWN_VRS, LONG_VRS } from './vrs.js';

export interface MetaHeader {
  transferSyntaxUid?: string;
  /** Media Storage SOP Class UID (0002,0002). */
  sopClassUid?: string;
  /** Media Storage SOP Instance UID (0002,0003). */
  sopInstanceUid?: string;
  /** Offset of the first data set byte. */
  end: number;
}

/** Length of the Part 10 preamble, which "DICM" follows. */
export const PREAMBLE = 128;
export const DICM: readonly number[] = [0x44, 0x49, 0x43, 0x4d];

/** True if `bytes` hold "DICM" at `at` (128 for a Part 10 file; 0 when a writer left the preamble out). */
export function hasDicm(bytes: Uint8Array, at: number): boolean {
  return bytes.length >= at + 4 && DICM.every((b, i) => bytes[at + i] === b);
}

// The UI elements of group 0002 a caller reads, by element number.
const META_UIDS = { 0x0002: 'sopClassUid', 0x0003: 'sopInstanceUid', 0x0010: 'transferSyntaxUid' } as const;


function u16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}

function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

function vrAt(b: Uint8Array, at: number): string | null {
  const vr = String.fromCharCode(b[at]!, b[at + 1]!);
  return KNOWN_VRS.has(vr) ? vr : null;
}

/**
 * Read group 0002 from `start`. Stops at the group length's end when there is one (so a
 * deflated data set is never misread as meta), else at the first non-0002 element.
 */
export function readMetaHeader(bytes: Uint8Array, start: number): MetaHeader {
  let at = start;
  let limit = bytes.length;
  const uids: Omit<MetaHeader, 'end'> = {};
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
    const key = META_UIDS[element as keyof typeof META_UIDS];
    const value = key && asciiValue(bytes.subarray(valueAt, valueAt + length));
    if (value) uids[key] = value;
    at = valueAt + length;
  }
  return { ...uids, end: at };
}

function asciiValue(bytes: Uint8Array): string | undefined {
  // Latin-1 by hand (one char per byte), so the file also runs in the browser (Try it).
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  text = text.replace(/[\0 ]+$/, '').trim();
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
