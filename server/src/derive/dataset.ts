// The data set the derive stage builds before writing it: a map from tag ("GGGGEEEE", upper
// case hex, so string order is tag order) to an element with a concrete VR and its values.
// Text stays text until the writer encodes it in the object's character set.

export type TextVr = 'AE' | 'AS' | 'CS' | 'DA' | 'DS' | 'DT' | 'IS' | 'LO' | 'LT' | 'PN' | 'SH' | 'ST' | 'TM' | 'UC' | 'UI' | 'UR' | 'UT';
export type NumberVr = 'US' | 'SS' | 'UL' | 'SL' | 'FL' | 'FD' | 'AT';
export type BytesVr = 'OB' | 'OD' | 'OF' | 'OL' | 'OV' | 'OW' | 'UN';
export type Vr = TextVr | NumberVr | BytesVr | 'SQ';

export type Element =
  | { vr: TextVr; values: string[] }
  | { vr: NumberVr; values: number[] }
  | { vr: BytesVr; bytes: Uint8Array }
  | { vr: 'SQ'; items: DataSet[] };

export type DataSet = Map<string, Element>;

export const TEXT_VRS: ReadonlySet<string> = new Set<TextVr>([
  'AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT',
]);
export const NUMBER_VRS: ReadonlySet<string> = new Set<NumberVr>(['US', 'SS', 'UL', 'SL', 'FL', 'FD', 'AT']);
export const BYTES_VRS: ReadonlySet<string> = new Set<BytesVr>(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);

/** Text VRs whose bytes depend on Specific Character Set (PS3.5 6.1.2.3); the others are ASCII. */
export const CHARSET_VRS: ReadonlySet<string> = new Set(['SH', 'LO', 'ST', 'LT', 'UT', 'PN', 'UC']);

/** Text VRs that hold one value (a backslash is part of the text, PS3.5 6.2). */
export const SINGLE_VALUE_VRS: ReadonlySet<string> = new Set(['LT', 'ST', 'UT', 'UR']);

export function isVr(vr: string): vr is Vr {
  return vr === 'SQ' || TEXT_VRS.has(vr) || NUMBER_VRS.has(vr) || BYTES_VRS.has(vr);
}

/** "(0008,0016)" or "0008,0016" or "00080016" -> "00080016". */
export function tagKey(tag: string): string {
  const hex = tag.replace(/[(),\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{8}$/.test(hex)) throw new TypeError(`not a tag: ${tag}`);
  return hex;
}

/** Private tags (odd group) are never copied: we cannot know what they say about the pixels. */
export function isPrivateTag(key: string): boolean {
  return parseInt(key.slice(3, 4), 16) % 2 === 1;
}

export const text = (vr: TextVr, ...values: string[]): Element => ({ vr, values });
export const numbers = (vr: NumberVr, ...values: number[]): Element => ({ vr, values });
export const sequence = (...items: DataSet[]): Element => ({ vr: 'SQ', items });

/** An item (or data set) from [tag, element] pairs; tags in any notation. */
export function item(entries: ReadonlyArray<readonly [string, Element]>): DataSet {
  return new Map(entries.map(([tag, el]) => [tagKey(tag), el]));
}

/** A coded concept (Code Sequence Macro, PS3.3 Table 8.8-1) as one sequence item. */
export interface Code {
  value: string;
  scheme: string;
  meaning: string;
}

export function codeItem(code: Code): DataSet {
  return item([
    ['00080100', text('SH', code.value)],
    ['00080102', text('SH', code.scheme)],
    ['00080104', text('LO', code.meaning)],
  ]);
}

/** First value of a text element, trailing padding removed; undefined when absent or empty. */
export function firstText(ds: DataSet, tag: string): string | undefined {
  const el = ds.get(tagKey(tag));
  if (!el || !('values' in el)) return undefined;
  const v = el.values[0];
  if (v === undefined) return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}
