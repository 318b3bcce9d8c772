// The header facts of a received instance, from the values the scanner kept, and the checks
// that decide whether the listener may store it. No patient name is read, so none can leak;
// patient ID, accession number and study date are read for the console's study search.

import { TextDecoder } from 'node:util';
import { decoderLabel } from '../derive/charset.js';
import type { ScanResult } from './scan.js';
import type { InstanceHeader } from './types.js';

/** Tags the scanner keeps (group << 16 | element). */
const HEADER_TAGS = {
  specificCharacterSet: 0x00080005,
  imageType: 0x00080008,
  studyDate: 0x00080020,
  sopClassUid: 0x00080016,
  sopInstanceUid: 0x00080018,
  accessionNumber: 0x00080050,
  modality: 0x00080060,
  seriesDescription: 0x0008103e,
  patientId: 0x00100020,
  bodyPartExamined: 0x00180015,
  viewPosition: 0x00185101,
  studyInstanceUid: 0x0020000d,
  seriesInstanceUid: 0x0020000e,
  rows: 0x00280010,
  columns: 0x00280011,
} as const;

export const WANTED_TAGS: ReadonlySet<number> = new Set(Object.values(HEADER_TAGS));

/** The received data set cannot be accepted; `status` is the C-STORE status to answer. */
export class InstanceRejected extends Error {
  override name = 'InstanceRejected';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const STATUS = {
  Success: 0x0000,
  SopClassNotSupported: 0x0122,
  OutOfResources: 0xa700,
  DataSetDoesNotMatchSopClass: 0xa900,
  CannotUnderstand: 0xc000,
} as const;

/** UIDs as they go into a path: digits and dots, no empty component (so never "." or ".."). */
const SAFE_UID = /^[0-9]+(\.[0-9]+)*$/;

export function isSafeUid(uid: string): boolean {
  return uid.length <= 64 && SAFE_UID.test(uid);
}

export interface ExpectedInstance {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly transferSyntaxUid: string;
  /** Whether the syntax encapsulates pixel data (fragments) or keeps it native. */
  readonly encapsulated: boolean;
  readonly acceptedSopClasses: ReadonlySet<string>;
}

/** Header of a scanned data set, checked against the C-STORE command; throws InstanceRejected. */
export function checkedHeader(scan: ScanResult, expected: ExpectedInstance, littleEndian: boolean): InstanceHeader {
  const text = textReader(scan, littleEndian);
  const sopClassUid = text.uid(HEADER_TAGS.sopClassUid);
  const sopInstanceUid = text.uid(HEADER_TAGS.sopInstanceUid);
  const studyInstanceUid = text.uid(HEADER_TAGS.studyInstanceUid);
  const seriesInstanceUid = text.uid(HEADER_TAGS.seriesInstanceUid);
  const missing = Object.entries({ sopClassUid, sopInstanceUid, studyInstanceUid, seriesInstanceUid })
    .filter(([, v]) => !v || !isSafeUid(v))
    .map(([k, v]) => (v ? `${k} "${v}" is not a UID` : `${k} is missing`));
  if (missing.length > 0) throw new InstanceRejected(STATUS.CannotUnderstand, missing.join('; '));
  if (sopInstanceUid !== expected.sopInstanceUid) {
    throw new InstanceRejected(STATUS.DataSetDoesNotMatchSopClass, `SOP Instance UID ${sopInstanceUid} differs from the command's ${expected.sopInstanceUid}`);
  }
  if (sopClassUid !== expected.sopClassUid || !expected.acceptedSopClasses.has(sopClassUid!)) {
    throw new InstanceRejected(STATUS.DataSetDoesNotMatchSopClass, `SOP Class UID ${sopClassUid} does not match the command's ${expected.sopClassUid} or is not accepted`);
  }
  if (!scan.hasPixelData) throw new InstanceRejected(STATUS.DataSetDoesNotMatchSopClass, 'the image has no Pixel Data');
  if (scan.pixelDataEncapsulated !== expected.encapsulated) {
    const how = scan.pixelDataEncapsulated ? 'encapsulated' : 'native';
    throw new InstanceRejected(STATUS.CannotUnderstand, `Pixel Data is ${how}, which transfer syntax ${expected.transferSyntaxUid} does not allow`);
  }
  return {
    sopClassUid: sopClassUid!,
    sopInstanceUid: sopInstanceUid!,
    transferSyntaxUid: expected.transferSyntaxUid,
    studyInstanceUid: studyInstanceUid!,
    seriesInstanceUid: seriesInstanceUid!,
    ...optional('modality', text.code(HEADER_TAGS.modality)),
    ...optional('bodyPartExamined', text.code(HEADER_TAGS.bodyPartExamined)),
    ...optional('viewPosition', text.code(HEADER_TAGS.viewPosition)),
    ...optional('seriesDescription', text.text(HEADER_TAGS.seriesDescription)),
    ...optional('patientId', text.text(HEADER_TAGS.patientId)),
    ...optional('accessionNumber', text.text(HEADER_TAGS.accessionNumber)),
    ...optional('studyDate', text.date(HEADER_TAGS.studyDate)),
    ...optional('imageType', text.codes(HEADER_TAGS.imageType)),
    ...optional('rows', text.us(HEADER_TAGS.rows)),
    ...optional('columns', text.us(HEADER_TAGS.columns)),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

interface TextReader {
  uid(tag: number): string | undefined;
  code(tag: number): string | undefined;
  codes(tag: number): string[] | undefined;
  /** LO/SH/LT text in the data set's Specific Character Set. */
  text(tag: number): string | undefined;
  /** DA as YYYYMMDD, or undefined when it is not a date. */
  date(tag: number): string | undefined;
  us(tag: number): number | undefined;
}

function textReader(scan: ScanResult, littleEndian: boolean): TextReader {
  const raw = (tag: number): Buffer | undefined => scan.values.get(tag)?.bytes;
  // Codes, UIDs, dates and numbers are ASCII; only text (LO, SH) may use the declared character set.
  const ascii = (tag: number): string | undefined => {
    const b = raw(tag);
    const s = b ? b.toString('latin1').replace(/[\0 ]+$/, '').trim() : '';
    return s.length > 0 ? s : undefined;
  };
  const charset = ascii(HEADER_TAGS.specificCharacterSet)?.split('\\').map((t) => t.trim()) ?? [];
  return {
    uid: ascii,
    code: (tag) => ascii(tag)?.split('\\')[0]?.trim() || undefined,
    codes: (tag) => ascii(tag)?.split('\\').map((v) => v.trim()),
    text: (tag) => {
      const b = raw(tag);
      const s = b ? decodeText(b, charset).replace(/[\0 ]+$/, '').trim() : '';
      return s.length > 0 ? s : undefined;
    },
    date: (tag) => studyDate(ascii(tag)),
    us: (tag) => {
      const b = raw(tag);
      if (!b || b.length < 2) return undefined;
      return littleEndian ? b.readUInt16LE(0) : b.readUInt16BE(0);
    },
  };
}

/**
 * DA is YYYYMMDD; ACR-NEMA era files write YYYY.MM.DD, which the search can still use. A
 * range or anything else is not one date: dropped rather than stored wrong.
 */
function studyDate(value: string | undefined): string | undefined {
  const digits = value?.replace(/^(\d{4})\.(\d{2})\.(\d{2})$/, '$1$2$3');
  return digits && /^\d{8}$/.test(digits) ? digits : undefined;
}

function decodeText(bytes: Buffer, charset: readonly string[]): string {
  try {
    return new TextDecoder(decoderLabel(charset)).decode(bytes);
  } catch {
    return bytes.toString('latin1'); // a label this Node build lacks: keep the bytes readable
  }
}
