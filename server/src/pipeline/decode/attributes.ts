// The Image Pixel module (and the few neighbours decoding needs) read from a dcmjs data set and
// checked once, so the frame extractor and the codecs can trust every number they get.

import type { DcmjsDict } from './dcmjs-types.js';
import { MalformedDicomError, UnsupportedImageError } from './errors.js';

export type Photometric = 'MONOCHROME1' | 'MONOCHROME2';

export interface PixelAttributes {
  width: number;
  height: number;
  bitsAllocated: 8 | 16;
  bitsStored: number;
  highBit: number;
  pixelRepresentation: 0 | 1;
  photometric: Photometric;
  samplesPerPixel: 1;
  numberOfFrames: number;
  rescaleSlope: number;
  rescaleIntercept: number;
  windowCenter?: number;
  windowWidth?: number;
  /** (0028,2110) as written: "00", "01", or undefined when absent. */
  lossyImageCompression?: string;
  /** A Modality LUT Sequence is present: stored values are not linear in the modality unit. */
  hasModalityLut: boolean;
}

const TAG = {
  samplesPerPixel: '00280002',
  photometric: '00280004',
  numberOfFrames: '00280008',
  rows: '00280010',
  columns: '00280011',
  bitsAllocated: '00280100',
  bitsStored: '00280101',
  highBit: '00280102',
  pixelRepresentation: '00280103',
  windowCenter: '00281050',
  windowWidth: '00281051',
  rescaleIntercept: '00281052',
  rescaleSlope: '00281053',
  lossyImageCompression: '00282110',
  modalityLutSequence: '00283000',
  floatPixelData: '7FE00008',
  doubleFloatPixelData: '7FE00009',
} as const;

/** First value as a number; DS/IS may arrive as numbers or as (padded) strings. */
export function numberValue(ds: DcmjsDict, tag: string): number | undefined {
  const v = ds[tag]?.Value?.[0];
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

export function stringValue(ds: DcmjsDict, tag: string): string | undefined {
  const v = ds[tag]?.Value?.[0];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function requiredInt(ds: DcmjsDict, tag: string, what: string, min: number, max: number): number {
  const n = numberValue(ds, tag);
  if (n === undefined) throw new MalformedDicomError(`missing ${what} (${tag.slice(0, 4)},${tag.slice(4)})`);
  if (!Number.isInteger(n) || n < min || n > max) throw new MalformedDicomError(`invalid ${what}: ${n}`);
  return n;
}

function optionalInt(ds: DcmjsDict, tag: string, fallback: number): number {
  const n = numberValue(ds, tag);
  return n === undefined ? fallback : Math.round(n);
}

export function readPixelAttributes(ds: DcmjsDict): PixelAttributes {
  if (!ds['7FE00010'] && (ds[TAG.floatPixelData] || ds[TAG.doubleFloatPixelData])) {
    throw new UnsupportedImageError('floating point pixel data is not a radiograph');
  }
  const samplesPerPixel = optionalInt(ds, TAG.samplesPerPixel, 1);
  if (samplesPerPixel !== 1) throw new UnsupportedImageError(`${samplesPerPixel} samples per pixel: only grayscale images are decoded`);
  const photometric = readPhotometric(ds);
  const width = requiredInt(ds, TAG.columns, 'Columns', 1, 65535);
  const height = requiredInt(ds, TAG.rows, 'Rows', 1, 65535);
  const bits = readBits(ds);
  const numberOfFrames = optionalInt(ds, TAG.numberOfFrames, 1);
  if (numberOfFrames < 1) throw new MalformedDicomError(`invalid Number of Frames: ${numberOfFrames}`);
  const slope = numberValue(ds, TAG.rescaleSlope);
  const windowCenter = numberValue(ds, TAG.windowCenter);
  const windowWidth = numberValue(ds, TAG.windowWidth);
  const lossyImageCompression = stringValue(ds, TAG.lossyImageCompression);
  return {
    width,
    height,
    ...bits,
    photometric,
    samplesPerPixel: 1,
    numberOfFrames,
    rescaleSlope: slope ?? 1,
    rescaleIntercept: numberValue(ds, TAG.rescaleIntercept) ?? 0,
    ...(windowCenter !== undefined ? { windowCenter } : {}),
    ...(windowWidth !== undefined ? { windowWidth } : {}),
    ...(lossyImageCompression !== undefined ? { lossyImageCompression } : {}),
    hasModalityLut: (ds[TAG.modalityLutSequence]?.Value?.length ?? 0) > 0,
  };
}

function readPhotometric(ds: DcmjsDict): Photometric {
  // ACR-NEMA files may omit it; DCMTK and pydicom then assume MONOCHROME2, and so do we.
  const value = (stringValue(ds, TAG.photometric) ?? 'MONOCHROME2').toUpperCase();
  if (value !== 'MONOCHROME1' && value !== 'MONOCHROME2') {
    throw new UnsupportedImageError(`photometric interpretation ${value}: only MONOCHROME1/2 are decoded`);
  }
  return value;
}

function readBits(ds: DcmjsDict): Pick<PixelAttributes, 'bitsAllocated' | 'bitsStored' | 'highBit' | 'pixelRepresentation'> {
  const bitsAllocated = requiredInt(ds, TAG.bitsAllocated, 'Bits Allocated', 1, 64);
  if (bitsAllocated !== 8 && bitsAllocated !== 16) {
    throw new UnsupportedImageError(`${bitsAllocated} bits allocated: only 8 and 16 are decoded`);
  }
  const bitsStored = optionalInt(ds, TAG.bitsStored, bitsAllocated);
  if (bitsStored < 1 || bitsStored > bitsAllocated) throw new MalformedDicomError(`invalid Bits Stored ${bitsStored} for ${bitsAllocated} allocated`);
  const highBit = optionalInt(ds, TAG.highBit, bitsStored - 1);
  if (highBit < bitsStored - 1 || highBit >= bitsAllocated) throw new MalformedDicomError(`invalid High Bit ${highBit} for ${bitsStored} stored`);
  const pr = optionalInt(ds, TAG.pixelRepresentation, 0);
  if (pr !== 0 && pr !== 1) throw new MalformedDicomError(`invalid Pixel Representation ${pr}`);
  return { bitsAllocated, bitsStored, highBit, pixelRepresentation: pr };
}
