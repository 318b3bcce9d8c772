// Tags SharpXR sets on the derived object (issue 3, item 9), one row each: what it is and
// the rule. They are applied after the copied tags, so a row always wins; a row whose rule
// yields nothing removes the tag (for example the Secondary Capture rows on a same-class
// object). The Image Pixel description is here, not in the copied list, because we write the
// pixels: it equals the source's, with High Bit normalised to Bits Stored - 1 (the decoder
// returns values shifted down to bit 0) and MONOCHROME2 made explicit for ACR-NEMA files
// without Photometric Interpretation (the decoder assumed it). Specific Character Set is
// decided last, by derive.ts, once all text is known: the source's value as written, or
// ISO_IR 192 when some text cannot be written in the source's set (see charset.ts).
// PRIVATE_TAGS, last, is SharpXR's private block: what the fidelity guard measured and the
// provenance in machine-readable form, for the viewer, which reads the derived object itself.

import { DERIVATION_SMOOTHING, PURPOSE_PROCESSING_EQUIPMENT, PURPOSE_SOURCE_IMAGE, PURPOSE_SOURCE_SERIES } from './codes.js';
import { codeItem, item, numbers, sequence, text, type DataSet, type Element, type Vr } from './dataset.js';
import type { LossyHistory } from './lossy.js';
import { canonicalJson } from './uids.js';

export const SECONDARY_CAPTURE_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.7';

export interface PixelDescription {
  rows: number;
  columns: number;
  bitsAllocated: 8 | 16;
  bitsStored: number;
  pixelRepresentation: 0 | 1;
  photometric: 'MONOCHROME1' | 'MONOCHROME2';
}

/**
 * What the fidelity guard measured on this image (its GuardReport fits). Stored units are the
 * source's stored pixel values, before Rescale Slope/Intercept: present when the pipeline knew
 * the scale of its model domain (it always does; a bare guard call need not).
 */
export interface GuardFigures {
  /** Fraction (0..1) of pixels whose proposed change exceeded the bound k·sigma. */
  readonly clippedFraction: number;
  /** Largest |strength·(denoised − original)| proposed, before the bound, in stored units. */
  readonly maxChangeStored?: number;
  readonly flagged: boolean;
  /** The clipped fraction above which the image is flagged. */
  readonly maxClippedFraction: number;
  /** The source's noise level the bound is made from, in stored units. */
  readonly sigmaStored?: number;
  readonly k: number;
  readonly strength: number;
}

/** Everything the rules need, resolved by buildDerived. */
export interface SetContext {
  readonly sourceSopClassUid: string;
  readonly sourceSopInstanceUid: string;
  readonly sourceSeriesInstanceUid: string;
  readonly studyInstanceUid: string;
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly modelName: string;
  readonly modelVersion: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly softwareVersion: string;
  readonly seriesNumberOffset: number;
  readonly descriptionSuffix: string;
  readonly guardFlag: boolean;
  /** Absent when the caller derived without the guard's figures (then no guard element is written). */
  readonly guard?: GuardFigures;
  readonly notForDiagnosticUse: boolean;
  readonly now: { date: string; time: string; dateTime: string };
  readonly pixels: PixelDescription;
  readonly pixelData: Element;
  readonly lossy: LossyHistory;
  /** Source values the rules use but that are not copied as such. */
  readonly sourceText: (tag: string) => string | undefined;
  readonly sourceValues: (tag: string) => string[];
  readonly sourceElement: (tag: string) => Element | undefined;
}

export interface SetTag {
  readonly tag: string;
  readonly vr: Vr;
  readonly keyword: string;
  readonly rule: string;
  readonly build: (c: SetContext) => Element | undefined;
}

const sc = (c: SetContext): boolean => c.sopClassUid === SECONDARY_CAPTURE_SOP_CLASS;
const clip = (s: string, n: number): string => Array.from(s).slice(0, n).join('');
const IS_MAX = 2 ** 31 - 1;

export const NOT_FOR_DIAGNOSTIC_USE = 'NOT FOR DIAGNOSTIC USE';

/** Source description, then the suffix (and " GUARD"), the source part shortened to fit LO's 64 characters. */
export function seriesDescription(source: string | undefined, suffix: string, guard: boolean): string {
  const marker = `${suffix}${guard ? ' GUARD' : ''}`;
  const room = 64 - Array.from(marker).length;
  if (room <= 0) return clip(marker.trim(), 64);
  return `${clip((source ?? '').trim(), room).trimEnd()}${marker}`.trim();
}

/** Source Series Number + offset, wrapped into IS's non-negative range (missing counts as 0). */
export function seriesNumber(source: string | undefined, offset: number): number {
  const n = source !== undefined && /^[+-]?\d+$/.test(source.trim()) ? Math.max(0, Number(source)) : 0;
  return (n + offset) % (IS_MAX + 1);
}

function derivationDescription(c: SetContext): string {
  const parts = [
    `Denoised by SharpXR ${c.softwareVersion} with model ${c.modelName} ${c.modelVersion}`,
    `parameters ${canonicalJson(c.params)}`,
    ...(c.guardFlag ? ['fidelity guard tripped: change bound reached on more pixels than allowed'] : []),
    ...(c.notForDiagnosticUse ? [NOT_FOR_DIAGNOSTIC_USE] : []),
  ];
  return clip(parts.join('; '), 1024);
}

function imageComments(c: SetContext): Element | undefined {
  const own = c.sourceText('00204000');
  if (!c.notForDiagnosticUse) return own ? text('LT', own) : undefined;
  const statement =
    `${NOT_FOR_DIAGNOSTIC_USE}. Noise-reduced copy made by SharpXR (model ${c.modelName} ${c.modelVersion}) ` +
    `of the image ${c.sourceSopInstanceUid}; read the original for diagnosis.`;
  return text('LT', clip(own ? `${statement} Source image comments: ${own}` : statement, 10240));
}

function softwareVersions(c: SetContext): Element {
  return text('LO', clip(`SharpXR ${c.softwareVersion}`, 64), clip(`${c.modelName} ${c.modelVersion}`, 64));
}

function contributingEquipment(c: SetContext): Element {
  const previous = c.sourceElement('0018A001');
  const ours = item([
    ['00080070', text('LO', 'SharpXR')],
    ['00081090', text('LO', clip(c.modelName, 64))],
    ['00181020', softwareVersions(c)],
    ['0018A002', text('DT', c.now.dateTime)],
    ['0018A003', text('ST', clip(`Noise reduction by the ${c.modelName} ${c.modelVersion} model`, 1024))],
    ['0040A170', sequence(codeItem(PURPOSE_PROCESSING_EQUIPMENT))],
  ]);
  return sequence(...(previous?.vr === 'SQ' ? previous.items : []), ours);
}

function imageType(c: SetContext): Element {
  const further = c.sourceValues('00080008').slice(2);
  while (further.length > 0 && further[further.length - 1] === '') further.pop();
  return text('CS', 'DERIVED', 'SECONDARY', ...further);
}

const sopRef = (c: SetContext): DataSet =>
  item([['00081150', text('UI', c.sourceSopClassUid)], ['00081155', text('UI', c.sourceSopInstanceUid)]]);

const row = (tag: string, vr: Vr, keyword: string, rule: string, build: SetTag['build']): SetTag => ({ tag, vr, keyword, rule, build });

export const SET_TAGS: readonly SetTag[] = [
  row('00080008', 'CS', 'ImageType', 'DERIVED\\SECONDARY, then the source values 3..n (trailing empty values dropped)', imageType),
  row('00080012', 'DA', 'InstanceCreationDate', 'the clock', (c) => text('DA', c.now.date)),
  row('00080013', 'TM', 'InstanceCreationTime', 'the clock', (c) => text('TM', c.now.time)),
  row('00080016', 'UI', 'SOPClassUID', "the source's, or Secondary Capture Image Storage", (c) => text('UI', c.sopClassUid)),
  row('00080018', 'UI', 'SOPInstanceUID', 'deterministic, uids.ts', (c) => text('UI', c.sopInstanceUid)),
  row('00080064', 'CS', 'ConversionType', 'Secondary Capture only: WSD (workstation)', (c) => (sc(c) ? text('CS', 'WSD') : undefined)),
  row('0008103E', 'LO', 'SeriesDescription', 'source description + suffix (+ " GUARD"), within 64 characters', (c) =>
    text('LO', seriesDescription(c.sourceText('0008103E'), c.descriptionSuffix, c.guardFlag))),
  row('00081115', 'SQ', 'ReferencedSeriesSequence', 'Common Instance Reference: the source series and instance', (c) =>
    sequence(item([['0020000E', text('UI', c.sourceSeriesInstanceUid)], ['0008114A', sequence(sopRef(c))]]))),
  row('00081250', 'SQ', 'RelatedSeriesSequence', 'General Series: the source series, purpose 121323', (c) =>
    sequence(item([
      ['0020000D', text('UI', c.studyInstanceUid)],
      ['0020000E', text('UI', c.sourceSeriesInstanceUid)],
      ['0040A170', sequence(codeItem(PURPOSE_SOURCE_SERIES))],
    ]))),
  row('00082111', 'ST', 'DerivationDescription', 'model, version, parameters, guard, not-for-diagnosis', (c) => text('ST', derivationDescription(c))),
  row('00082112', 'SQ', 'SourceImageSequence', 'the source instance, purpose 121322, spatial locations preserved', (c) => {
    const ref = sopRef(c);
    ref.set('0040A170', sequence(codeItem(PURPOSE_SOURCE_IMAGE)));
    ref.set('0028135A', text('CS', 'YES'));
    return sequence(ref);
  }),
  row('00089215', 'SQ', 'DerivationCodeSequence', '(113087, DCM, "Smoothing"), see codes.ts', () => sequence(codeItem(DERIVATION_SMOOTHING))),
  row('00181012', 'DA', 'DateOfSecondaryCapture', 'Secondary Capture only: the clock', (c) => (sc(c) ? text('DA', c.now.date) : undefined)),
  row('00181014', 'TM', 'TimeOfSecondaryCapture', 'Secondary Capture only: the clock', (c) => (sc(c) ? text('TM', c.now.time) : undefined)),
  row('00181016', 'LO', 'SecondaryCaptureDeviceManufacturer', 'Secondary Capture only: SharpXR', (c) => (sc(c) ? text('LO', 'SharpXR') : undefined)),
  row('00181018', 'LO', 'SecondaryCaptureDeviceManufacturerModelName', 'Secondary Capture only: the model name', (c) =>
    sc(c) ? text('LO', clip(c.modelName, 64)) : undefined),
  row('00181019', 'LO', 'SecondaryCaptureDeviceSoftwareVersions', 'Secondary Capture only: SharpXR and model versions', (c) =>
    sc(c) ? softwareVersions(c) : undefined),
  row('0018A001', 'SQ', 'ContributingEquipmentSequence', "the source's items, then SharpXR (purpose 109102)", contributingEquipment),
  row('0020000E', 'UI', 'SeriesInstanceUID', 'deterministic, uids.ts', (c) => text('UI', c.seriesInstanceUid)),
  row('00200011', 'IS', 'SeriesNumber', 'source + offset (default 1000), wrapped into IS range', (c) =>
    text('IS', String(seriesNumber(c.sourceText('00200011'), c.seriesNumberOffset)))),
  row('00200013', 'IS', 'InstanceNumber', "the source's (1 when it has none)", (c) => text('IS', c.sourceText('00200013') ?? '1')),
  row('00204000', 'LT', 'ImageComments', 'the not-for-diagnostic-use statement, then the source comments', imageComments),
  row('00280002', 'US', 'SamplesPerPixel', '1', () => numbers('US', 1)),
  row('00280004', 'CS', 'PhotometricInterpretation', "the source's (MONOCHROME2 when it had none)", (c) => text('CS', c.pixels.photometric)),
  row('00280010', 'US', 'Rows', 'of the pixels written', (c) => numbers('US', c.pixels.rows)),
  row('00280011', 'US', 'Columns', 'of the pixels written', (c) => numbers('US', c.pixels.columns)),
  row('00280100', 'US', 'BitsAllocated', "the source's", (c) => numbers('US', c.pixels.bitsAllocated)),
  row('00280101', 'US', 'BitsStored', "the source's", (c) => numbers('US', c.pixels.bitsStored)),
  row('00280102', 'US', 'HighBit', 'Bits Stored - 1', (c) => numbers('US', c.pixels.bitsStored - 1)),
  row('00280103', 'US', 'PixelRepresentation', "the source's", (c) => numbers('US', c.pixels.pixelRepresentation)),
  row('00280301', 'CS', 'BurnedInAnnotation', "the source's value (we burn nothing in); absent when the source does not say", (c) => {
    const v = c.sourceText('00280301');
    return v ? text('CS', v) : undefined;
  }),
  row('00282110', 'CS', 'LossyImageCompression', 'history carried over, see lossy.ts', (c) => (c.lossy.flag ? text('CS', c.lossy.flag) : undefined)),
  row('00282112', 'DS', 'LossyImageCompressionRatio', 'history carried over, see lossy.ts', (c) =>
    c.lossy.ratios.length ? text('DS', ...c.lossy.ratios) : undefined),
  row('00282114', 'CS', 'LossyImageCompressionMethod', 'history carried over, see lossy.ts', (c) =>
    c.lossy.methods.length ? text('CS', ...c.lossy.methods) : undefined),
  row('7FE00010', 'OW', 'PixelData', 'the new pixels, native (OW for 16 bits allocated, OB for 8)', (c) => c.pixelData),
];

/** Private creator of SharpXR's block: (0071,0010) reserves (0071,1000-10FF) (PS3.5 7.8.1). */
export const SHARPXR_PRIVATE_CREATOR = 'SHARPXR 1';

const fd = (value: number | undefined): Element | undefined => (value === undefined ? undefined : numbers('FD', value));

// Group 0071: odd, so private, and no other writer of chest radiographs is known to use it. The
// writer orders elements by tag, so the creator (0071,0010) always precedes its elements.
export const PRIVATE_TAGS: readonly SetTag[] = [
  row('00710010', 'LO', 'PrivateCreator', `"${SHARPXR_PRIVATE_CREATOR}": reserves (0071,1000-10FF) for the rows below`, () =>
    text('LO', SHARPXR_PRIVATE_CREATOR)),
  row('00711001', 'FD', 'GuardClippedFraction', 'fraction (0..1) of pixels whose proposed change exceeded the bound k·sigma and was clamped to it', (c) =>
    fd(c.guard?.clippedFraction)),
  row('00711002', 'FD', 'GuardMaxChange', 'largest |strength·(denoised − original)| proposed, before the bound, in stored pixel values (before Rescale Slope/Intercept); what the job record keeps', (c) =>
    fd(c.guard?.maxChangeStored)),
  row('00711003', 'CS', 'GuardFlag', 'YES when the clipped fraction exceeded the threshold (the series description then says GUARD), else NO', (c) =>
    (c.guard ? text('CS', c.guardFlag ? 'YES' : 'NO') : undefined)),
  row('00711004', 'FD', 'GuardThreshold', 'the clipped fraction above which an image is flagged (guard maxClippedFraction)', (c) =>
    fd(c.guard?.maxClippedFraction)),
  row('00711005', 'FD', 'NoiseSigma', "the source's noise level the bound is made from (robust high-pass estimate), in stored pixel values", (c) =>
    fd(c.guard?.sigmaStored)),
  row('00711006', 'FD', 'GuardK', 'bound multiplier: no pixel moves more than k·sigma', (c) => fd(c.guard?.k)),
  row('00711007', 'FD', 'DenoiseStrength', 'blend applied before the bound: 0 keeps the original, 1 takes the model output', (c) => fd(c.guard?.strength)),
  row('00711008', 'LO', 'ModelId', 'the model id, as in models/manifest.json', (c) => text('LO', clip(c.modelName, 64))),
  row('00711009', 'LO', 'ModelVersion', 'the model version', (c) => text('LO', clip(c.modelVersion, 64))),
  row('0071100A', 'UT', 'ProcessingParameters', 'canonical JSON of the processing parameters: the text the derived UIDs are made from', (c) =>
    text('UT', canonicalJson(c.params))),
];

/** Apply every row: set what a rule yields, remove what it does not. */
export function applySetTags(ds: DataSet, c: SetContext): void {
  for (const r of [...SET_TAGS, ...PRIVATE_TAGS]) {
    const el = r.build(c);
    if (el) ds.set(r.tag, el);
    else ds.delete(r.tag);
  }
}
