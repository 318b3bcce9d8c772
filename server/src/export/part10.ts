// The bytes we put on the wire, taken straight from the Part 10 file the derive step wrote.
//
// Why not let dcmjs-dimse parse and re-encode (its Dataset.fromFile path): it naturalizes the
// whole data set with dcmjs and writes it back, which (a) refuses values dcmjs thinks invalid
// ("Value exceeds max length, vr: DA" for the legacy "1995.07.20" in our CR fixture: the
// association then dies with a networkError), (b) prints "Unknown name in dataset" for group
// lengths on the console, (c) re-encodes text that derive/writer.ts deliberately kept in the
// source's character set, and (d) costs a full parse of 8 MB of pixels per send. Sending the
// stored bytes keeps what reaches the PACS identical to what we wrote and checked.

import { MalformedDicomError } from '../pipeline/decode/errors.js';
import { PREAMBLE, hasDicm, readMetaHeader } from '../pipeline/decode/meta.js';
import { UID } from '../pipeline/decode/syntaxes.js';
import { LONG_VRS } from '../pipeline/decode/vrs.js';

export const EXPLICIT_VR_LE = UID.ExplicitVRLittleEndian;
export const IMPLICIT_VR_LE = UID.ImplicitVRLittleEndian;

export class InvalidInstanceError extends Error {
  override name = 'InvalidInstanceError';
}

/** A data set ready to send: bytes after the File Meta Information, and what they are. */
export interface WireInstance {
  readonly dataset: Buffer;
  readonly transferSyntaxUid: string;
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
}

const UNDEFINED = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQ_END = 0xfffee0dd;

/** True if `bytes` start with a Part 10 preamble and "DICM". */
export function isPart10(bytes: Uint8Array): boolean {
  return hasDicm(bytes, PREAMBLE);
}

/** Splits a Part 10 file into its data set and the meta header's transfer syntax and SOP UIDs. */
export function readPart10(bytes: Uint8Array): WireInstance {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isPart10(buf)) throw new InvalidInstanceError('not a DICOM Part 10 file (no "DICM" at byte 128)');
  let meta;
  try {
    meta = readMetaHeader(buf, PREAMBLE + 4);
  } catch (err) {
    if (err instanceof MalformedDicomError) throw new InvalidInstanceError(err.message, { cause: err });
    throw err;
  }
  const { sopClassUid, sopInstanceUid, transferSyntaxUid } = meta;
  if (!sopClassUid || !sopInstanceUid || !transferSyntaxUid) {
    throw new InvalidInstanceError('File Meta Information lacks (0002,0002), (0002,0003) or (0002,0010)');
  }
  return { dataset: buf.subarray(meta.end), transferSyntaxUid, sopClassUid, sopInstanceUid };
}

function tagHeader(tag: number, length: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeUInt16LE(tag >>> 16, 0);
  out.writeUInt16LE(tag & 0xffff, 2);
  out.writeUInt32LE(length, 4);
  return out;
}

/**
 * Re-encodes an explicit VR little endian data set as implicit VR little endian, for peers
 * that accept only the default transfer syntax. Values are copied byte for byte (both are
 * little endian); only element headers change. Sequences and items are written with
 * undefined length, which spares recomputing lengths that shrink with the headers.
 */
export function explicitToImplicit(dataset: Buffer): Buffer {
  const out: Buffer[] = [];
  convertElements(dataset, 0, dataset.length, false, out);
  return Buffer.concat(out);
}

/** Converts elements in [pos, end), or up to an item delimiter when `untilDelimiter`; returns the end. */
function convertElements(buf: Buffer, pos: number, end: number, untilDelimiter: boolean, out: Buffer[]): number {
  while (pos < end) {
    if (pos + 8 > buf.length) throw new InvalidInstanceError(`truncated element header at byte ${pos}`);
    const tag = ((buf.readUInt16LE(pos) << 16) | buf.readUInt16LE(pos + 2)) >>> 0;
    if (tag === ITEM_END) {
      if (!untilDelimiter) throw new InvalidInstanceError(`unexpected item delimiter at byte ${pos}`);
      return pos + 8;
    }
    const vr = buf.toString('latin1', pos + 4, pos + 6);
    const long = LONG_VRS.has(vr);
    const length = long ? buf.readUInt32LE(pos + 8) : buf.readUInt16LE(pos + 6);
    const start = pos + (long ? 12 : 8);
    if (vr === 'SQ') {
      out.push(tagHeader(tag, UNDEFINED));
      pos = convertItems(buf, start, length, out);
      out.push(tagHeader(SEQ_END, 0));
      continue;
    }
    if (length === UNDEFINED) {
      // Encapsulated pixel data or UN of undefined length: neither has an implicit VR form we can emit safely.
      throw new InvalidInstanceError(`(${hex(tag)}) ${vr} has undefined length; cannot convert to implicit VR`);
    }
    if (start + length > buf.length) throw new InvalidInstanceError(`(${hex(tag)}) value runs past the end of the data set`);
    out.push(tagHeader(tag, length), buf.subarray(start, start + length));
    pos = start + length;
  }
  if (untilDelimiter) throw new InvalidInstanceError('item without delimiter');
  return pos;
}

/** Converts the items of a sequence whose value starts at `pos`; returns the byte after it. */
function convertItems(buf: Buffer, pos: number, length: number, out: Buffer[]): number {
  const end = length === UNDEFINED ? buf.length : pos + length;
  while (pos < end) {
    const tag = ((buf.readUInt16LE(pos) << 16) | buf.readUInt16LE(pos + 2)) >>> 0;
    const itemLength = buf.readUInt32LE(pos + 4);
    if (tag === SEQ_END) return pos + 8;
    if (tag !== ITEM) throw new InvalidInstanceError(`expected an item at byte ${pos}, found (${hex(tag)})`);
    out.push(tagHeader(ITEM, UNDEFINED));
    pos = itemLength === UNDEFINED
      ? convertElements(buf, pos + 8, buf.length, true, out)
      : convertElements(buf, pos + 8, pos + 8 + itemLength, false, out);
    out.push(tagHeader(ITEM_END, 0));
  }
  if (length === UNDEFINED) throw new InvalidInstanceError('sequence without delimiter');
  return pos;
}

function hex(tag: number): string {
  const s = tag.toString(16).toUpperCase().padStart(8, '0');
  return `${s.slice(0, 4)},${s.slice(4)}`;
}
