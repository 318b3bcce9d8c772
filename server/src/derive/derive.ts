// Public API of the derive stage: source data set + new pixels + provenance -> the derived
// DICOM object (Part 10, Explicit VR Little Endian) and its UIDs. See tags-copied.ts and
// tags-set.ts for what the object holds, uids.ts for how its UIDs are made.

import { createRequire } from 'node:module';
import { readPixelAttributes } from '../pipeline/decode/attributes.js';
import type { DcmjsDict } from '../pipeline/decode/dcmjs.js';
import type { StoredPixels } from '../pipeline/decode/index.js';
import { UTF8_CODEC, codecFor, type TextCodec } from './charset.js';
import { CHARSET_VRS, firstText, type DataSet, type Element } from './dataset.js';
import { lossyHistory, pixelDataBytes } from './lossy.js';
import { addMissingType2, dropEmptySequences, repairLegacyValues } from './repair.js';
import { convertElement, rawElement, readSource, sourceCharsetTerms, type SourceInput } from './source.js';
import { COPIED_TAGS } from './tags-copied.js';
import {
  SECONDARY_CAPTURE_SOP_CLASS, applySetTags, type GuardFigures, type PixelDescription, type SetContext,
} from './tags-set.js';
import { SHARPXR_IMPLEMENTATION_CLASS_UID, canonicalJson, derivedSeriesInstanceUid, derivedSopInstanceUid, isValidUid } from './uids.js';
import { writePart10, EXPLICIT_VR_LITTLE_ENDIAN } from './writer.js';

export class DeriveError extends Error {
  override name = 'DeriveError';
}

export interface Provenance {
  /** Model id, as in models/manifest.json. */
  modelName: string;
  modelVersion: string;
  /** Processing parameters that change the pixels (strength, guard settings, ...); part of the UIDs. */
  params?: Readonly<Record<string, unknown>>;
  /** What the fidelity guard measured: written in SharpXR's private block (tags-set.ts PRIVATE_TAGS). */
  guard?: GuardFigures;
}

export interface DeriveOptions {
  /** Added to the source Series Number (default 1000). */
  seriesNumberOffset?: number;
  /** Appended to the source Series Description (default " DENOISED <model version>"). */
  descriptionSuffix?: string;
  /** Write Secondary Capture Image Storage instead of the source's SOP class. */
  secondaryCapture?: boolean;
  /**
   * The fidelity guard tripped: " GUARD" after the suffix, and said in DerivationDescription.
   * Default: provenance.guard's flag (false without one); must agree with it when both are given.
   */
  guardFlag?: boolean;
  /** Say "NOT FOR DIAGNOSTIC USE" in ImageComments and DerivationDescription (default true). */
  notForDiagnosticUse?: boolean;
  /** The clock for InstanceCreationDate/Time and ContributionDateTime (default: now). */
  clock?: () => Date;
  /** When `source` is a bare data set: the transfer syntax it arrived in (for the lossy history). */
  sourceTransferSyntaxUid?: string;
  /** Our AE title, written as Source Application Entity Title in the meta header. */
  aeTitle?: string;
}

export interface BuildDerivedInput {
  /** parseDicom's result, a dcmjs data set, or a dcmjs naturalized data set. */
  source: SourceInput;
  /** Frame 0 as stored values, in the source's encoding (type, size and range checked). */
  pixels: StoredPixels;
  /**
   * Bytes of the source's Pixel Data value, when `source` comes without it (the pipeline drops
   * it once decoded, see pipeline/source-header.ts): the lossy compression ratio needs its size.
   */
  sourcePixelDataBytes?: number;
  provenance: Provenance;
  options?: DeriveOptions;
}

export interface DerivedObject {
  bytes: Uint8Array;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  sopClassUid: string;
  transferSyntaxUid: string;
}

const require = createRequire(import.meta.url);
/** server/package.json's version (same relative path from src/ and from dist/). */
export const SHARPXR_VERSION: string = (require('../../package.json') as { version: string }).version;
export const SHARPXR_IMPLEMENTATION_VERSION_NAME = `SHARPXR_${SHARPXR_VERSION}`.slice(0, 16);

function requiredUid(dict: DcmjsDict, tag: string, keyword: string): string {
  const value = rawElement(dict, tag)?.Value?.[0];
  const uid = typeof value === 'string' ? value.replace(/[\0 ]+$/, '').trim() : '';
  if (!uid) throw new DeriveError(`the source has no ${keyword} (${tag.slice(0, 4)},${tag.slice(4)})`);
  return uid;
}

/** Pixels must match the source's description: array type, one frame, values within Bits Stored. */
function checkPixels(pixels: StoredPixels, d: PixelDescription): Element {
  const signed = d.pixelRepresentation === 1;
  const expected = d.bitsAllocated === 8 ? (signed ? Int8Array : Uint8Array) : signed ? Int16Array : Uint16Array;
  if (!(pixels instanceof expected)) {
    throw new DeriveError(`pixels must be a ${expected.name} for ${d.bitsAllocated} bits allocated, pixel representation ${d.pixelRepresentation}`);
  }
  if (pixels.length !== d.rows * d.columns) throw new DeriveError(`pixels hold ${pixels.length} values, the image is ${d.columns}x${d.rows}`);
  const min = signed ? -(2 ** (d.bitsStored - 1)) : 0;
  const max = signed ? 2 ** (d.bitsStored - 1) - 1 : 2 ** d.bitsStored - 1;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]!;
    if (v < min || v > max) throw new DeriveError(`pixel ${i} is ${v}, outside the stored range [${min}, ${max}] of ${d.bitsStored} bits`);
  }
  const bytes = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength).slice();
  return d.bitsAllocated === 8 ? { vr: 'OB', bytes } : { vr: 'OW', bytes };
}

/** Minutes east of UTC from TimezoneOffsetFromUTC ("+0100", "-0400"), if valid. */
function offsetMinutes(value: string | undefined): number | undefined {
  const m = value ? /^([+-])(\d{2})(\d{2})$/.exec(value.trim()) : null;
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : undefined;
}

/**
 * DA, TM and DT of `date` in the source's time zone when it states one (its dates and times,
 * and so ours, are then in that zone), else in this machine's local time. DT carries the zone.
 */
export function clockStrings(date: Date, sourceOffset?: number): { date: string; time: string; dateTime: string } {
  const offset = sourceOffset ?? -date.getTimezoneOffset();
  const local = new Date(date.getTime() + offset * 60_000);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const da = `${local.getUTCFullYear()}${p(local.getUTCMonth() + 1)}${p(local.getUTCDate())}`;
  const tm = `${p(local.getUTCHours())}${p(local.getUTCMinutes())}${p(local.getUTCSeconds())}.${p(local.getUTCMilliseconds(), 3)}`;
  const zone = `${offset < 0 ? '-' : '+'}${p(Math.floor(Math.abs(offset) / 60))}${p(Math.abs(offset) % 60)}`;
  return { date: da, time: tm, dateTime: `${da}${tm}${zone}` };
}

const GUARD_NUMBERS = ['clippedFraction', 'maxChangeStored', 'maxClippedFraction', 'sigmaStored', 'k', 'strength'] as const;

/** The guard's figures, checked (finite, not negative), and the flag the object is labelled with. */
function guardOf(provenance: Provenance, options: DeriveOptions): { guardFlag: boolean; guard?: GuardFigures } {
  const guard = provenance.guard;
  if (!guard) return { guardFlag: options.guardFlag ?? false };
  for (const name of GUARD_NUMBERS) {
    const value = guard[name];
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
      throw new DeriveError(`guard figure ${name} is ${value}: need a finite number >= 0`);
    }
  }
  if (options.guardFlag !== undefined && options.guardFlag !== guard.flagged) {
    throw new DeriveError(`guardFlag ${options.guardFlag} contradicts the guard's figures (flagged ${guard.flagged})`);
  }
  return { guardFlag: guard.flagged, guard };
}

/**
 * The source character set if all our text fits it, else UTF-8. In the default repertoire
 * (no Specific Character Set) the text we write ourselves must be ASCII: the codec reproduces
 * dcmjs's windows-1252 reading only to give back a source's own undeclared 8-bit bytes.
 */
function chooseCodec(ds: DataSet, terms: string[], c: SetContext): TextCodec {
  const codec = codecFor(terms);
  const authored = [c.modelName, c.modelVersion, c.descriptionSuffix, canonicalJson(c.params)];
  if (codec.terms.length === 0 && authored.some((t) => /[^\u0000-\u007f]/.test(t))) return UTF8_CODEC;
  const fits = (set: DataSet): boolean =>
    [...set.values()].every((el) =>
      el.vr === 'SQ' ? el.items.every(fits) : !CHARSET_VRS.has(el.vr) || !('values' in el) || codec.encode(el.values.join('\\')) !== null,
    );
  return fits(ds) ? codec : UTF8_CODEC;
}

/** The source's UIDs and the derived object's, from the UID key (uids.ts). */
function identify(dict: DcmjsDict, provenance: Provenance, secondaryCapture: boolean) {
  const sourceSopClassUid = requiredUid(dict, '00080016', 'SOP Class UID');
  const sourceSopInstanceUid = requiredUid(dict, '00080018', 'SOP Instance UID');
  const sourceSeriesInstanceUid = requiredUid(dict, '0020000E', 'Series Instance UID');
  const studyInstanceUid = requiredUid(dict, '0020000D', 'Study Instance UID');
  const sopClassUid = secondaryCapture ? SECONDARY_CAPTURE_SOP_CLASS : sourceSopClassUid;
  const key = { modelName: provenance.modelName, modelVersion: provenance.modelVersion, params: provenance.params ?? {}, sopClassUid };
  const sopInstanceUid = derivedSopInstanceUid(sourceSopInstanceUid, key);
  const seriesInstanceUid = derivedSeriesInstanceUid(sourceSeriesInstanceUid, key);
  for (const uid of [sopInstanceUid, seriesInstanceUid]) if (!isValidUid(uid)) throw new DeriveError(`invalid derived UID ${uid}`);
  return { sourceSopClassUid, sourceSopInstanceUid, sourceSeriesInstanceUid, studyInstanceUid, sopClassUid, sopInstanceUid, seriesInstanceUid };
}

function pixelDescription(dict: DcmjsDict): PixelDescription {
  const a = readPixelAttributes(dict);
  return {
    rows: a.height, columns: a.width, bitsAllocated: a.bitsAllocated, bitsStored: a.bitsStored,
    pixelRepresentation: a.pixelRepresentation, photometric: a.photometric,
  };
}

/** The tags copied from the source (tags-copied.ts), legacy values repaired. */
function copiedTags(dict: DcmjsDict): DataSet {
  const ds: DataSet = new Map();
  for (const [tag, listed] of COPIED_TAGS) {
    const raw = rawElement(dict, tag);
    const el = raw && convertElement(raw, listed.vr);
    if (el) ds.set(tag, el);
  }
  repairLegacyValues(ds);
  return ds;
}

/** How the rules read source values that are not copied as such. */
function sourceReaders(dict: DcmjsDict): Pick<SetContext, 'sourceText' | 'sourceValues' | 'sourceElement'> {
  const sourceElement = (tag: string): Element | undefined => {
    const raw = rawElement(dict, tag);
    return raw ? convertElement(raw) : undefined;
  };
  const sourceValues = (tag: string): string[] => {
    const el = sourceElement(tag);
    return el && 'values' in el ? el.values.map(String) : [];
  };
  return { sourceText: (tag) => sourceValues(tag).map((v) => v.trim()).find((v) => v !== ''), sourceValues, sourceElement };
}

export function buildDerived(input: BuildDerivedInput): DerivedObject {
  const options = input.options ?? {};
  const { modelName, modelVersion } = input.provenance;
  if (!modelName?.trim() || !modelVersion?.trim()) throw new DeriveError('provenance needs a model name and version');
  const source = readSource(input.source, options.sourceTransferSyntaxUid);
  const dict = source.dict;
  const ids = identify(dict, input.provenance, options.secondaryCapture ?? false);
  const pixels = pixelDescription(dict);
  const pixelData = checkPixels(input.pixels, pixels);
  const ds = copiedTags(dict);
  const context: SetContext = {
    ...ids, modelName, modelVersion,
    params: input.provenance.params ?? {},
    softwareVersion: SHARPXR_VERSION,
    seriesNumberOffset: options.seriesNumberOffset ?? 1000,
    descriptionSuffix: options.descriptionSuffix ?? ` DENOISED ${modelVersion}`,
    ...guardOf(input.provenance, options),
    notForDiagnosticUse: options.notForDiagnosticUse ?? true,
    now: clockStrings((options.clock ?? (() => new Date()))(), offsetMinutes(firstText(ds, '00080201'))),
    pixels,
    pixelData,
    lossy: lossyHistory(dict, source.transferSyntaxUid, pixels.rows * pixels.columns * (pixels.bitsAllocated / 8),
      input.sourcePixelDataBytes ?? pixelDataBytes(dict)),
    ...sourceReaders(dict),
  };
  if (!Number.isInteger(context.seriesNumberOffset) || context.seriesNumberOffset < 0) {
    throw new DeriveError(`seriesNumberOffset must be a non-negative integer, got ${context.seriesNumberOffset}`);
  }
  applySetTags(ds, context);
  dropEmptySequences(ds, ids.sopClassUid);
  addMissingType2(ds, ids.sopClassUid);
  return write(ds, context, sourceCharsetTerms(dict), options);
}

/** The Part 10 bytes in the character set chosen for all the text. */
function write(ds: DataSet, c: SetContext, sourceTerms: string[], options: DeriveOptions): DerivedObject {
  const codec = chooseCodec(ds, sourceTerms, c);
  const { sopClassUid, sopInstanceUid, seriesInstanceUid, studyInstanceUid } = c;
  if (codec.terms.length > 0) ds.set('00080005', { vr: 'CS', values: [...codec.terms] });
  const bytes = writePart10(ds, {
    sopClassUid,
    sopInstanceUid,
    implementationClassUid: SHARPXR_IMPLEMENTATION_CLASS_UID,
    implementationVersionName: SHARPXR_IMPLEMENTATION_VERSION_NAME,
    ...(options.aeTitle ? { sourceAeTitle: options.aeTitle } : {}),
  }, codec);
  return { bytes, sopInstanceUid, seriesInstanceUid, studyInstanceUid, sopClassUid, transferSyntaxUid: EXPLICIT_VR_LITTLE_ENDIAN };
}
