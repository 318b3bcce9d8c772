// Public API: DICOM bytes -> frame 0 as stored values, with what the next stages need to
// interpret them. Stored values, not modality values: rescale and VOI are reported, not
// applied, so the denoised result can be written back in exactly the source's encoding.

import { readPixelAttributes, type PixelAttributes } from './attributes.js';
import { decodeFrame, initCodecs } from './codecs.js';
import { MalformedDicomError, asMalformed } from './errors.js';
import { encapsulatedFrame, nativeFrame } from './frames.js';
import { parseDicom, type ParseOptions, type ParsedDicom } from './parse.js';
import { toStoredValues, type StoredPixels } from './pixels.js';
import type { TransferSyntax } from './syntaxes.js';

/** The header's pixel description (minus the raw lossy flag) plus the decoded frame 0. */
export interface DecodedImage extends Omit<PixelAttributes, 'lossyImageCompression'> {
  transferSyntaxUid: string;
  transferSyntaxName: string;
  /**
   * Frame 0, row by row: Uint8Array/Int8Array for 8 bits allocated, Uint16Array/Int16Array
   * for 16, Int* when Pixel Representation is 1. Values are within Bits Stored.
   * (numberOfFrames counts the object's frames; only frame 0 is decoded.)
   */
  pixels: StoredPixels;
  /** The pixels have been through lossy compression (now or, per (0028,2110), before). */
  lossy: boolean;
  /** False for ACR-NEMA style files without a File Meta Information header. */
  hasMetaHeader: boolean;
}

/** Load the codec module ahead of the first decode (optional; the first decode does it). */
export async function initDecoders(): Promise<void> {
  await initCodecs();
}

/**
 * Decode frame 0 of a DICOM file. Throws only DecodeError subclasses for bad input:
 * MalformedDicomError, UnsupportedTransferSyntaxError, UnsupportedImageError.
 */
export async function decodePixels(bytes: Uint8Array, options: ParseOptions = {}): Promise<DecodedImage> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodePixels expects a Uint8Array (or Buffer)');
  return decodeParsed(asMalformed(() => parseDicom(bytes, options)));
}

/** Decode frame 0 of an already parsed file (the listener parses once for its rules). */
export async function decodeParsed(parsed: ParsedDicom): Promise<DecodedImage> {
  const { transferSyntax: syntax, dataset } = parsed;
  const element = dataset['7FE00010'];
  if (!element) throw new MalformedDicomError('no Pixel Data (7FE0,0010): not an image, or the file is truncated');
  const attrs = asMalformed(() => readPixelAttributes(dataset));
  const codec = syntax.codec;
  const samples = codec
    ? await decodeFrame(codec, asMalformed(() => encapsulatedFrame(element, codec, attrs.numberOfFrames)), attrs)
    : asMalformed(() => nativeFrame(element, syntax, attrs));
  const lossy = isLossy(syntax, attrs);
  // RLE and the lossless codecs return the stored words unchanged, like native data.
  const pixels = toStoredValues(samples, attrs.width * attrs.height, attrs, syntax.mayBeLossy && lossy ? 'clamp' : 'mask');
  return describe(parsed, attrs, pixels, lossy);
}

function isLossy(syntax: TransferSyntax, attrs: PixelAttributes): boolean {
  if (syntax.lossy || attrs.lossyImageCompression === '01') return true;
  // JPEG 2000 / HTJ2K / JPEG XL "may be lossy": believe an explicit "00", else assume lossy.
  return syntax.mayBeLossy && attrs.lossyImageCompression !== '00';
}

function describe(parsed: ParsedDicom, a: PixelAttributes, pixels: StoredPixels, lossy: boolean): DecodedImage {
  return {
    width: a.width,
    height: a.height,
    bitsAllocated: a.bitsAllocated,
    bitsStored: a.bitsStored,
    highBit: a.highBit,
    pixelRepresentation: a.pixelRepresentation,
    photometric: a.photometric,
    samplesPerPixel: a.samplesPerPixel,
    transferSyntaxUid: parsed.transferSyntax.uid,
    transferSyntaxName: parsed.transferSyntax.name,
    numberOfFrames: a.numberOfFrames,
    pixels,
    rescaleSlope: a.rescaleSlope,
    rescaleIntercept: a.rescaleIntercept,
    ...(a.windowCenter !== undefined ? { windowCenter: a.windowCenter } : {}),
    ...(a.windowWidth !== undefined ? { windowWidth: a.windowWidth } : {}),
    lossy,
    hasModalityLut: a.hasModalityLut,
    hasMetaHeader: parsed.hasMetaHeader,
  };
}
