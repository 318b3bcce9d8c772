// A DICOM Part 10 file in Explicit VR Little Endian: preamble, "DICM", File Meta Information
// (group 0002 with its group length) and the data set, elements in ascending tag order,
// sequences and items with defined lengths, every value padded to an even length (UI with a
// NUL, other text with a space, binary with a zero byte). Written here rather than through
// dcmjs so that the bytes are ours to reason about: text in the source's character set,
// numbers as given, nothing reformatted.

import { LONG_VRS } from '../pipeline/decode/vrs.js';
import { asciiBytes, type TextCodec } from './charset.js';
import { CHARSET_VRS, NUMBER_VRS, SINGLE_VALUE_VRS, type DataSet, type Element } from './dataset.js';

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';


export class DicomWriteError extends Error {
  override name = 'DicomWriteError';
}

export interface FileMeta {
  sopClassUid: string;
  sopInstanceUid: string;
  implementationClassUid: string;
  /** SH, at most 16 characters. */
  implementationVersionName: string;
  /** AE title of the writer (0002,0016), optional. */
  sourceAeTitle?: string;
}

class Chunks {
  readonly parts: Uint8Array[] = [];
  length = 0;
  push(part: Uint8Array): void {
    this.parts.push(part);
    this.length += part.length;
  }
}

function header(tag: string, vr: string, length: number): Uint8Array {
  const long = LONG_VRS.has(vr);
  const out = new Uint8Array(long ? 12 : 8);
  const view = new DataView(out.buffer);
  view.setUint16(0, parseInt(tag.slice(0, 4), 16), true);
  view.setUint16(2, parseInt(tag.slice(4), 16), true);
  out[4] = vr.charCodeAt(0);
  out[5] = vr.charCodeAt(1);
  if (long) view.setUint32(8, length, true);
  else if (length > 0xfffe) throw new DicomWriteError(`(${tag.slice(0, 4)},${tag.slice(4)}) ${vr}: ${length} bytes do not fit a 16-bit length`);
  else view.setUint16(6, length, true);
  return out;
}

function textBytes(tag: string, el: Extract<Element, { values: string[] }>, codec: TextCodec): Uint8Array {
  if (SINGLE_VALUE_VRS.has(el.vr) && el.values.length > 1) {
    throw new DicomWriteError(`(${tag.slice(0, 4)},${tag.slice(4)}) ${el.vr} holds one value, got ${el.values.length}`);
  }
  const joined = el.values.join('\\');
  const bytes = CHARSET_VRS.has(el.vr) ? codec.encode(joined) : asciiBytes(joined);
  if (!bytes) throw new DicomWriteError(`(${tag.slice(0, 4)},${tag.slice(4)}): text not representable in ${codec.terms.join('\\') || 'the default repertoire'}`);
  if (bytes.length % 2 === 0) return bytes;
  const padded = new Uint8Array(bytes.length + 1);
  padded.set(bytes);
  padded[bytes.length] = el.vr === 'UI' ? 0x00 : 0x20;
  return padded;
}

function numberBytes(el: Extract<Element, { values: number[] }>): Uint8Array {
  const size = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, AT: 4 }[el.vr];
  const out = new Uint8Array(size * el.values.length);
  const view = new DataView(out.buffer);
  el.values.forEach((v, i) => {
    const at = i * size;
    switch (el.vr) {
      case 'US': view.setUint16(at, v, true); break;
      case 'SS': view.setInt16(at, v, true); break;
      case 'UL': view.setUint32(at, v, true); break;
      case 'SL': view.setInt32(at, v, true); break;
      case 'FL': view.setFloat32(at, v, true); break;
      case 'FD': view.setFloat64(at, v, true); break;
      case 'AT': view.setUint16(at, v >>> 16, true); view.setUint16(at + 2, v & 0xffff, true); break;
    }
  });
  return out;
}

function padBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.length % 2 === 0) return bytes;
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

function encodeDataSet(ds: DataSet, codec: TextCodec, out: Chunks): void {
  for (const tag of [...ds.keys()].sort()) {
    const el = ds.get(tag)!;
    if (el.vr === 'SQ') {
      const items = new Chunks();
      for (const it of el.items) {
        const body = new Chunks();
        encodeDataSet(it, codec, body);
        const itemHeader = new Uint8Array(8);
        const view = new DataView(itemHeader.buffer);
        view.setUint16(0, 0xfffe, true);
        view.setUint16(2, 0xe000, true);
        view.setUint32(4, body.length, true);
        items.push(itemHeader);
        body.parts.forEach((p) => items.push(p));
      }
      out.push(header(tag, 'SQ', items.length));
      items.parts.forEach((p) => out.push(p));
      continue;
    }
    const value =
      'bytes' in el
        ? padBytes(el.bytes)
        : NUMBER_VRS.has(el.vr)
          ? numberBytes(el as Extract<Element, { values: number[] }>)
          : textBytes(tag, el as Extract<Element, { values: string[] }>, codec);
    out.push(header(tag, el.vr, value.length));
    out.push(value);
  }
}

function concat(chunks: Chunks, prefix: number): Uint8Array {
  const out = new Uint8Array(prefix + chunks.length);
  let at = prefix;
  for (const p of chunks.parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A whole Part 10 file: 128-byte preamble, "DICM", File Meta Information, data set. */
export function writePart10(ds: DataSet, meta: FileMeta, codec: TextCodec): Uint8Array {
  for (const key of ds.keys()) if (key.startsWith('0002')) throw new DicomWriteError(`group 0002 element ${key} in the data set`);
  const metaSet: DataSet = new Map<string, Element>([
    ['00020001', { vr: 'OB', bytes: new Uint8Array([0x00, 0x01]) }],
    ['00020002', { vr: 'UI', values: [meta.sopClassUid] }],
    ['00020003', { vr: 'UI', values: [meta.sopInstanceUid] }],
    ['00020010', { vr: 'UI', values: [EXPLICIT_VR_LITTLE_ENDIAN] }],
    ['00020012', { vr: 'UI', values: [meta.implementationClassUid] }],
    ['00020013', { vr: 'SH', values: [meta.implementationVersionName] }],
  ]);
  if (meta.sourceAeTitle) metaSet.set('00020016', { vr: 'AE', values: [meta.sourceAeTitle] });
  // Group 0002 is always ASCII; the codec only matters for the data set.
  const metaBody = new Chunks();
  encodeDataSet(metaSet, { terms: [], encode: asciiBytes }, metaBody);
  const body = new Chunks();
  encodeDataSet(ds, codec, body);
  const groupLength = new Uint8Array(12);
  groupLength.set(header('00020000', 'UL', 4));
  new DataView(groupLength.buffer).setUint32(8, metaBody.length, true);
  const all = new Chunks();
  all.push(new Uint8Array([0x44, 0x49, 0x43, 0x4d])); // "DICM"
  all.push(groupLength);
  metaBody.parts.forEach((p) => all.push(p));
  body.parts.forEach((p) => all.push(p));
  return concat(all, 128);
}
