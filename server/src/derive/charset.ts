// Text back to bytes in the source's character set.
//
// dcmjs decodes SH/LO/ST/LT/UT/PN/UC with a TextDecoder chosen from Specific Character Set
// (its `encodingMapping`; windows-1252 when there is none) and reports the set as "ISO_IR 192"
// while keeping the original in _rawValue. To copy names and descriptions byte for byte we
// encode with the inverse of the same decoder and write the source's own Specific Character
// Set. Every single-byte decoder is invertible byte for byte, so that covers the default
// repertoire (including sources that put undeclared 8-bit text in it, which then keep the
// same complaint as the source), ISO 8859-x and UTF-8. A string the source's set cannot hold
// (a multi-byte set we cannot encode, or a non-ASCII suffix of ours) makes the whole object
// UTF-8 (ISO_IR 192): the text keeps its meaning, only its encoding changes.

import { TextDecoder, TextEncoder } from 'node:util';
import { dcmjs } from '../pipeline/decode/dcmjs.js';

export interface TextCodec {
  /** Specific Character Set values to write (empty: the attribute is left out). */
  readonly terms: readonly string[];
  /** The bytes of `s`, or null when this character set cannot represent it. */
  encode(s: string): Uint8Array | null;
}

const encodingMapping = (dcmjs as unknown as { constants: { encodingMapping: Record<string, string> } }).constants
  .encodingMapping;

// WHATWG encodings where one byte is not one character.
const MULTI_BYTE = new Set(['utf-8', 'shift_jis', 'euc-jp', 'iso-2022-jp', 'gbk', 'gb18030', 'big5', 'euc-kr']);

const utf8Encoder = new TextEncoder();

export const UTF8_CODEC: TextCodec = {
  terms: ['ISO_IR 192'],
  encode: (s) => (/\p{Surrogate}/u.test(s) ? null : utf8Encoder.encode(s)),
};

/** The WHATWG label dcmjs decoded with, for Specific Character Set value 1 (as dcmjs normalises it). */
export function decoderLabel(terms: readonly string[]): string {
  const key = (terms[0] ?? '').replace(/[_ ]/g, '-').toLowerCase();
  return encodingMapping[key] ?? encodingMapping['']!;
}

/** A codec that reproduces the bytes dcmjs decoded under Specific Character Set `terms`. */
export function codecFor(terms: readonly string[]): TextCodec {
  const cleaned = terms.map((t) => t.trim());
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(decoderLabel(cleaned));
  } catch {
    decoder = new TextDecoder(encodingMapping['']!);
  }
  if (decoder.encoding === 'utf-8') return { ...UTF8_CODEC, terms: cleaned };
  // Inverse table: for single-byte sets every byte, for multi-byte ones only ASCII (which all
  // of them keep as is). A character that several bytes decode to (U+FFFD) is left out.
  const upTo = MULTI_BYTE.has(decoder.encoding) ? 0x80 : 0x100;
  const inverse = new Map<string, number>();
  const ambiguous = new Set<string>();
  for (let b = 0; b < upTo; b++) {
    const ch = decoder.decode(new Uint8Array([b]));
    if (inverse.has(ch)) ambiguous.add(ch);
    inverse.set(ch, b);
  }
  for (const ch of ambiguous) inverse.delete(ch);
  return {
    terms: cleaned,
    encode(s: string): Uint8Array | null {
      const out = new Uint8Array(s.length);
      let n = 0;
      for (const ch of s) {
        const b = inverse.get(ch);
        if (b === undefined) return null;
        out[n++] = b;
      }
      return out.subarray(0, n);
    },
  };
}

/** Bytes of a text value whose VR is not affected by the character set (CS, DA, UI, ...). */
export function asciiBytes(s: string): Uint8Array {
  return Buffer.from(s, 'latin1');
}
