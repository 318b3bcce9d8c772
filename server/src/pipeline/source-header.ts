// The source as the derive stage needs it once its pixels are decoded: the data set without
// its Pixel Data and without top-level private elements (derive copies neither: it writes new
// pixels, and private tags say things about the source's pixels we cannot vouch for), plus the
// size of the Pixel Data value, which is all the lossy compression history needs of it.
//
// Why: this header is what crosses from the pipeline's child process back to the node with
// every image. The source's Pixel Data (8.5 MB native, ~4 MB as JPEG 2000 for a 2000x2128 DX)
// and the decoded source frame would otherwise be copied over the IPC channel only to be
// thrown away; the denoised pixels are the only bulk the parent needs.
//
// The header is also plain data: dcmjs decorates some values with functions (Person Name
// arrays and objects carry toJSON/toString), which structured clone refuses. Derive reads only
// the data (PN as {Alphabetic, ...}), so own enumerable data properties are kept; ArrayBuffers
// and typed arrays are kept as they are.

import { isPrivateTag, pixelDataBytes } from '../derive/index.js';
import type { DcmjsDict, ParsedDicom } from './decode/index.js';

export interface SourceHeader {
  /** The parsed source without Pixel Data and top-level private elements. */
  readonly header: ParsedDicom;
  /** Bytes of the source's Pixel Data value (the encapsulated size for a compressed one). */
  readonly pixelDataBytes: number;
}

const PIXEL_DATA = '7FE00010';

export function sourceHeader(parsed: ParsedDicom): SourceHeader {
  const dataset: DcmjsDict = {};
  for (const [tag, element] of Object.entries(parsed.dataset)) {
    if (tag.toUpperCase() === PIXEL_DATA || isPrivateTag(tag.toUpperCase())) continue;
    dataset[tag] = plain(element) as DcmjsDict[string];
  }
  return { header: { ...parsed, dataset }, pixelDataBytes: pixelDataBytes(parsed.dataset) };
}

function plain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map(plain);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'function') out[key] = plain(v);
  }
  return out;
}
