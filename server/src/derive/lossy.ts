// Lossy compression history (PS3.3 C.7.6.1.1.5): once pixels have been through lossy
// compression, every image derived from them says so, with the ratio(s) and method(s).
//
// - The source says "01": its ratios and methods are the history; copied as written (the
//   transfer syntax it arrived in is already part of that history, or the source would be
//   wrong, which we cannot fix by guessing).
// - The source does not say "01" but arrived in a lossy transfer syntax (JPEG baseline and
//   extended, JPEG-LS near-lossless, or JPEG 2000 / HTJ2K / JPEG XL without an explicit "00"
//   - the same rule the decoder uses): "01", with the ratio of this encoding (native size over
//   encapsulated size) and its method appended to whatever the source listed.
// - Otherwise the source's value ("00" or nothing) is kept.

import type { DcmjsDict } from '../pipeline/decode/dcmjs.js';
import { transferSyntax, type CodecId } from '../pipeline/decode/index.js';
import { formatNumber, rawElement } from './source.js';

export interface LossyHistory {
  /** (0028,2110): "00", "01", or undefined (leave out). */
  flag?: string;
  ratios: string[];
  methods: string[];
}

// Defined Terms of Lossy Image Compression Method (0028,2114), PS3.3 C.7.6.1.1.5.1.
const METHOD: Partial<Record<CodecId, string>> = {
  jpeg: 'ISO_10918_1',
  'jpeg-ls': 'ISO_14495_1',
  jpeg2000: 'ISO_15444_1',
  htj2k: 'ISO_15444_15',
  'jpeg-xl': 'ISO_18181_1',
};

function strings(dict: DcmjsDict, tag: string): string[] {
  const el = rawElement(dict, tag);
  if (!el) return [];
  const raw = Array.isArray(el._rawValue) ? el._rawValue : (el.Value ?? []);
  return raw
    .map((v) => (typeof v === 'number' ? formatNumber(v, 'DS') : typeof v === 'string' ? v.trim() : ''))
    .filter((v, _, all) => v !== '' || all.length > 1);
}

/** Bytes of the Pixel Data value(s): for an encapsulated one, the compressed size. */
export function pixelDataBytes(dict: DcmjsDict): number {
  const values = rawElement(dict, '7FE00010')?.Value ?? [];
  return values.reduce<number>((n, v) => n + (v instanceof ArrayBuffer || ArrayBuffer.isView(v) ? v.byteLength : 0), 0);
}

/**
 * The history to write, given the source data set, the syntax it arrived in, the size of our
 * native pixels and the size of the source's Pixel Data (pixelDataBytes of the source, taken
 * before its Pixel Data was dropped; see pipeline/source-header.ts).
 */
export function lossyHistory(
  dict: DcmjsDict,
  transferSyntaxUid: string | undefined,
  nativeBytes: number,
  compressed: number,
): LossyHistory {
  const flag = strings(dict, '00282110')[0];
  const ratios = strings(dict, '00282112');
  const methods = strings(dict, '00282114');
  if (flag === '01' || !transferSyntaxUid) return { ...(flag !== undefined ? { flag } : {}), ratios, methods };
  let syntax;
  try {
    syntax = transferSyntax(transferSyntaxUid);
  } catch {
    return { ...(flag !== undefined ? { flag } : {}), ratios, methods };
  }
  const lossyNow = syntax.lossy || (syntax.mayBeLossy && flag !== '00');
  if (!lossyNow || !syntax.codec) return { ...(flag !== undefined ? { flag } : {}), ratios, methods };
  const method = METHOD[syntax.codec];
  return {
    flag: '01',
    ratios: compressed > 0 ? [...ratios, (nativeBytes / compressed).toFixed(2)] : ratios,
    methods: method ? [...methods, method] : methods,
  };
}
