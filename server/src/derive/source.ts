// The source data set as the derive stage reads it: what parseDicom returns, a dcmjs data set
// (tag-keyed, "denaturalized"), or a dcmjs naturalized one (keyword-keyed). Elements are
// converted to our own model keeping the source's text exactly (dcmjs's _rawValue when it has
// one: the values as written, before numbers were parsed and padding trimmed).

import type { DcmjsDict, DcmjsElement } from '../pipeline/decode/dcmjs.js';
import { dcmjs } from '../pipeline/decode/dcmjs.js';
import type { ParsedDicom } from '../pipeline/decode/parse.js';
import { BYTES_VRS, NUMBER_VRS, SINGLE_VALUE_VRS, TEXT_VRS, isPrivateTag, isVr, type DataSet, type Element, type Vr } from './dataset.js';

type RawElement = DcmjsElement & { _rawValue?: unknown };

/** A dcmjs naturalized data set ({ PatientName: ..., ... }). */
export type NaturalizedDataset = Record<string, unknown>;

export type SourceInput = ParsedDicom | DcmjsDict | NaturalizedDataset;

export interface Source {
  readonly dict: DcmjsDict;
  /** Transfer syntax the source arrived in, when known. */
  readonly transferSyntaxUid?: string;
}

const denaturalize = (dcmjs as unknown as {
  data: { DicomMetaDictionary: { denaturalizeDataset(ds: NaturalizedDataset): DcmjsDict } };
}).data.DicomMetaDictionary.denaturalizeDataset;

function isParsed(input: SourceInput): input is ParsedDicom {
  return typeof input === 'object' && input !== null && 'dataset' in input && 'transferSyntax' in input;
}

export function readSource(input: SourceInput, transferSyntaxUid?: string): Source {
  if (isParsed(input)) return { dict: input.dataset, transferSyntaxUid: transferSyntaxUid ?? input.transferSyntax.uid };
  const keys = Object.keys(input);
  const tagKeyed = keys.length > 0 && keys.every((k) => /^[0-9A-Fa-f]{8}$/.test(k));
  const dict = tagKeyed ? (input as DcmjsDict) : denaturalize(input as NaturalizedDataset);
  return transferSyntaxUid ? { dict, transferSyntaxUid } : { dict };
}

export function rawElement(dict: DcmjsDict, tag: string): RawElement | undefined {
  return (dict[tag] ?? dict[tag.toLowerCase()]) as RawElement | undefined;
}

/** Specific Character Set as the source wrote it (dcmjs rewrites Value to ISO_IR 192). */
export function sourceCharsetTerms(dict: DcmjsDict): string[] {
  const el = rawElement(dict, '00080005');
  if (!el) return [];
  const raw = Array.isArray(el._rawValue) ? el._rawValue : (el.Value ?? []);
  return raw.map((v) => (typeof v === 'string' ? v.trim() : '')).filter((v, i, all) => v !== '' || all.length > 1);
}

/** dcmjs PN value ({Alphabetic, Ideographic, Phonetic}) -> "A=I=P" without trailing "=". */
function personName(v: unknown): string {
  if (typeof v === 'string') return v;
  if (!v || typeof v !== 'object') return '';
  const p = v as { Alphabetic?: string; Ideographic?: string; Phonetic?: string };
  return [p.Alphabetic ?? '', p.Ideographic ?? '', p.Phonetic ?? ''].join('=').replace(/=+$/, '');
}

/** A DS/IS number from dcmjs back to text within 16 characters. */
export function formatNumber(n: number, vr: string): string {
  if (vr === 'IS') return String(Math.trunc(n));
  let s = String(n);
  for (let p = 15; s.length > 16 && p > 0; p--) s = n.toPrecision(p).replace(/\.?0+(e|$)/, '$1');
  return s;
}

function textValues(raw: RawElement, vr: string): string[] {
  const source = raw._rawValue;
  let values: unknown[];
  if (vr === 'PN' && typeof source === 'string') values = source.split('\\');
  else if (Array.isArray(source) && source.every((v) => typeof v === 'string')) values = source;
  else values = raw.Value ?? [];
  const trim = vr === 'UI' ? /[\0 ]+$/ : / +$/;
  const out = values.map((v) => {
    const s = v === null || v === undefined ? '' : typeof v === 'number' ? formatNumber(v, vr) : typeof v === 'object' ? personName(v) : String(v);
    return s.replace(trim, '');
  });
  // dcmjs splits ST at backslashes, which are text there (single-valued VRs): join them back.
  return SINGLE_VALUE_VRS.has(vr) && out.length > 1 ? [out.join('\\')] : out;
}

function bytesOf(values: unknown[] | undefined): Uint8Array {
  const parts = (values ?? []).filter((v): v is ArrayBuffer | ArrayBufferView => v instanceof ArrayBuffer || ArrayBuffer.isView(v));
  return Buffer.concat(parts.map((p) => (p instanceof ArrayBuffer ? new Uint8Array(p) : new Uint8Array(p.buffer, p.byteOffset, p.byteLength))));
}

/** dcmjs's ambiguous VRs ("US or SS", "OB or OW", "US or OW", ...) resolved by the values. */
function concreteVr(vr: string, values: unknown[] | undefined, hint?: Vr): Vr | undefined {
  if (isVr(vr) && vr !== 'UN') return vr;
  if (vr === 'UN') return hint ?? 'UN';
  const options = vr.split(/\s+or\s+/).filter(isVr);
  if (options.length === 0) return hint;
  const numbers = (values ?? []).every((v) => typeof v === 'number');
  const negative = (values ?? []).some((v) => typeof v === 'number' && v < 0);
  if (numbers && options.includes('SS') && negative) return 'SS';
  if (numbers && options.includes('US')) return 'US';
  return options.includes('OW') ? 'OW' : options[0];
}

/** UN bytes of an element whose VR we know (from our lists): decode as that VR. */
function fromUnknown(bytes: Uint8Array, vr: Vr): Element | undefined {
  if (TEXT_VRS.has(vr)) {
    const s = Buffer.from(bytes).toString('latin1').replace(/[\0 ]+$/, '');
    return { vr: vr as Extract<Element, { values: string[] }>['vr'], values: s === '' ? [] : s.split('\\') };
  }
  if (BYTES_VRS.has(vr)) return { vr: vr as Extract<Element, { bytes: Uint8Array }>['vr'], bytes };
  return undefined; // binary numbers or a sequence in UN: not worth guessing at
}

/** One source element in our model; undefined when it cannot be represented faithfully. */
export function convertElement(raw: RawElement, hint?: Vr): Element | undefined {
  const vr = concreteVr(raw.vr, raw.Value, hint);
  if (!vr) return undefined;
  if (raw.vr === 'UN' && vr !== 'UN') return fromUnknown(bytesOf(raw.Value), vr);
  if (vr === 'SQ') {
    const items = (raw.Value ?? []).filter((v): v is DcmjsDict => typeof v === 'object' && v !== null && !(v instanceof ArrayBuffer));
    return { vr, items: items.map(convertItem) };
  }
  if (TEXT_VRS.has(vr)) return { vr: vr as Extract<Element, { values: string[] }>['vr'], values: textValues(raw, vr) };
  if (NUMBER_VRS.has(vr)) {
    const values = (raw.Value ?? []).map((v) => (typeof v === 'string' && vr === 'AT' ? parseInt(v, 16) : Number(v)));
    if (values.some((v) => !Number.isFinite(v))) return undefined;
    return { vr: vr as Extract<Element, { values: number[] }>['vr'], values };
  }
  return { vr: vr as Extract<Element, { bytes: Uint8Array }>['vr'], bytes: bytesOf(raw.Value) };
}

/** A sequence item: every standard element (private ones and group lengths are dropped). */
export function convertItem(dict: DcmjsDict): DataSet {
  const out: DataSet = new Map();
  for (const [key, raw] of Object.entries(dict)) {
    const tag = key.toUpperCase();
    if (!raw || !/^[0-9A-F]{8}$/.test(tag) || isPrivateTag(tag) || tag.endsWith('0000')) continue;
    const el = convertElement(raw as RawElement);
    if (el) out.set(tag, el);
  }
  return out;
}
