// A bare data set -> dcmjs dictionary, with truncation detected. Pure: dcmjs comes from the
// caller (read.ts passes the node's instance; the console's Try it page its ES build).
//
// dcmjs zero-fills a value that runs past the end of its buffer instead of failing, so a file
// cut inside native pixel data would parse "successfully" into a partly black image. To see
// that, a sentinel element is appended after the data set: a value that ran past the real end
// has swallowed it, and then holds its bytes. (When the sentinel is missing for another reason,
// junk after the pixel data, the pixel data is whole and is accepted.)

import type { DcmjsDict, DcmjsReadOptions } from './dcmjs-types.js';
import { DecodeError, MalformedDicomError } from './errors.js';
import { DICM, PREAMBLE } from './meta.js';
import { UID } from './syntaxes.js';

/** The part of dcmjs this file uses: the node passes its CommonJS instance, the console the ES build. */
export interface DcmjsReader {
  data: { DicomMessage: { readFile(buffer: ArrayBuffer, options?: DcmjsReadOptions): { meta: DcmjsDict; dict: DcmjsDict } } };
  log: DcmjsLevels & { getLogger(name: string): DcmjsLevels };
}

interface DcmjsLevels {
  getLevel(): number;
  setLevel(level: number | string, persist?: boolean): void;
}

const SENTINEL_TAG = 'FFFCFFFC'; // Data Set Trailing Padding: meaningless, safe to drop
const SENTINEL_VALUE = latin1('SXR-END!');

const STRICT: DcmjsReadOptions = { ignoreErrors: false, untilTag: null, includeUntilTagValue: false, noCopy: false };

/** Parse `dataset` (encoded in syntax `uid`, not deflated). Throws MalformedDicomError. */
export function readDataSetWith(dcmjs: DcmjsReader, uid: string, dataset: Uint8Array): DcmjsDict {
  const tail = sentinel(uid);
  const buffer = canonicalPart10(uid, dataset, tail);
  const parsed = parseStrictThenLenient(dcmjs, buffer);
  // A value that swallowed the sentinel ran past the end of the file: the file is cut there.
  if (!hasSentinel(parsed.dict) && (parsed.dict['7FE00010']?.Value ?? []).some((v) => contains(v, tail))) {
    throw new MalformedDicomError('truncated file: Pixel Data runs past the end of the data');
  }
  delete parsed.dict[SENTINEL_TAG];
  return parsed.dict;
}

/**
 * A value cut k bytes short has read k bytes of the sentinel into its end (k < its length) or
 * the whole sentinel then zeros. Only asked when the sentinel element itself is missing.
 */
function contains(value: unknown, tail: Uint8Array): boolean {
  const parts = Array.isArray(value) ? value : [value];
  return parts.some((p) => {
    if (!(p instanceof ArrayBuffer)) return false;
    const bytes = new Uint8Array(p);
    if (indexOf(bytes, tail) >= 0) return true;
    for (let k = Math.min(tail.length - 1, bytes.length); k >= 1; k--) {
      if (equal(bytes.subarray(bytes.length - k), tail.subarray(0, k))) return true;
    }
    return false;
  });
}

/** The sentinel element in the data set's own encoding. */
function sentinel(uid: string): Uint8Array {
  const out = new Uint8Array(uid === UID.ImplicitVRLittleEndian ? 8 + 8 : 12 + 8);
  const view = new DataView(out.buffer);
  const le = uid !== UID.ExplicitVRBigEndian;
  view.setUint16(0, 0xfffc, le);
  view.setUint16(2, 0xfffc, le);
  if (uid === UID.ImplicitVRLittleEndian) {
    view.setUint32(4, SENTINEL_VALUE.length, true);
  } else {
    out.set([0x4f, 0x42], 4); // "OB", 2 reserved bytes, 32-bit length
    view.setUint32(8, SENTINEL_VALUE.length, le);
  }
  out.set(SENTINEL_VALUE, out.length - SENTINEL_VALUE.length);
  return out;
}

function hasSentinel(dict: DcmjsDict): boolean {
  const value = dict[SENTINEL_TAG]?.Value?.[0];
  return value instanceof ArrayBuffer && equal(new Uint8Array(value), SENTINEL_VALUE);
}

/** Preamble + "DICM" + (0002,0000) + (0002,0010) + data set + sentinel: what dcmjs reads. */
function canonicalPart10(uid: string, dataset: Uint8Array, tail: Uint8Array): ArrayBuffer {
  const uidBytes = latin1(uid.length % 2 ? `${uid}\0` : uid);
  const tsElement = 8 + uidBytes.length;
  const headerLength = PREAMBLE + 4 + 12 + tsElement;
  const out = new Uint8Array(headerLength + dataset.length + tail.length);
  const view = new DataView(out.buffer);
  out.set(DICM, PREAMBLE);
  let at = PREAMBLE + 4;
  view.setUint32(at, 0x00000002, true); // tag (0002,0000), written as group then element
  out.set([0x55, 0x4c], at + 4); // "UL"
  view.setUint16(at + 6, 4, true);
  view.setUint32(at + 8, tsElement, true);
  at += 12;
  view.setUint32(at, 0x00100002, true); // (0002,0010)
  out.set([0x55, 0x49], at + 4); // "UI"
  view.setUint16(at + 6, uidBytes.length, true);
  out.set(uidBytes, at + 8);
  out.set(dataset, headerLength);
  out.set(tail, headerLength + dataset.length);
  return out.buffer;
}

/**
 * Strict first, so that a broken file is reported with dcmjs's reason. Real files carry
 * harmless faults strict mode refuses (several character sets, odd private elements, junk
 * after the pixel data), so a lenient parse that still holds non-empty pixel data is accepted;
 * a cut inside encapsulated pixel data leaves none.
 */
function parseStrictThenLenient(dcmjs: DcmjsReader, buffer: ArrayBuffer): { meta: DcmjsDict; dict: DcmjsDict } {
  try {
    return quietly(dcmjs, () => dcmjs.data.DicomMessage.readFile(buffer, STRICT));
  } catch (strictErr) {
    if (strictErr instanceof DecodeError) throw strictErr;
    let lenient: { meta: DcmjsDict; dict: DcmjsDict } | null = null;
    try {
      lenient = quietly(dcmjs, () => dcmjs.data.DicomMessage.readFile(buffer, { ...STRICT, ignoreErrors: true }));
    } catch {
      lenient = null;
    }
    const pixels = lenient?.dict['7FE00010']?.Value;
    if (lenient && Array.isArray(pixels) && pixels.length > 0) return lenient;
    throw new MalformedDicomError(`truncated or corrupt data set: ${(strictErr as Error)?.message ?? String(strictErr)}`);
  }
}

/**
 * dcmjs logs a message per oddity it meets (every implicit VR pixel data element, for one);
 * they say nothing a caller can act on, and the error we throw carries what matters.
 * Synchronous, so no other code runs while the level is lowered.
 */
function quietly<T>(dcmjs: DcmjsReader, fn: () => T): T {
  const loggers = [dcmjs.log, dcmjs.log.getLogger('validation.dcmjs')];
  const levels = loggers.map((l) => l.getLevel());
  for (const l of loggers) l.setLevel('silent', false);
  try {
    return fn();
  } finally {
    loggers.forEach((l, i) => l.setLevel(levels[i]!, false));
  }
}

function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  const first = needle[0];
  for (let i = haystack.indexOf(first!); i >= 0 && i + needle.length <= haystack.length; i = haystack.indexOf(first!, i + 1)) {
    if (equal(haystack.subarray(i, i + needle.length), needle)) return i;
  }
  return -1;
}
