// An uploaded file -> the stored image Try it works on, with the node's own decoders: PNG and
// JPEG through the imaging module (pngjs keeps 16 bits, jpeg-js), DICOM through the pipeline's
// decoder (every transfer syntax a job accepts). For DICOM it also keeps the header derive
// needs, so a derived object can be built from the same upload. Runs in the decode thread
// (decode-thread.ts): a JPEG 2000 takes seconds and must not hold the event loop.
import { decodeImage } from '../imaging/index.js';
import { decodeInstance } from '../pipeline/decode/index.js';
import { sourceHeader, type SourceHeader } from '../pipeline/source-header.js';
import { sniffKind, storedFromGray, type StoredImage, type TryKind } from './steps.js';

/** Larger images are refused: a 6000x6000 float pipeline needs GBs, no radiograph is that big. */
export const MAX_TRY_PIXELS = 40_000_000;

export interface TrySource {
  readonly transferSyntaxUid?: string;
  readonly transferSyntaxName?: string;
  readonly lossy?: boolean;
  /** Bits of the PNG/JPEG samples, or Bits Stored of the DICOM. */
  readonly bitsStored: number;
}

export interface TryInput {
  readonly kind: TryKind;
  readonly image: StoredImage;
  readonly source: TrySource;
  /** DICOM only: the source's header for derive (Pixel Data and private tags dropped). */
  readonly dicom?: SourceHeader;
  readonly decodeMs: number;
}

/** Bad input: `status` 400 for what is not an image, 422 for an image Try it cannot take. */
export class TryInputError extends Error {
  override name = 'TryInputError';
  constructor(readonly status: 400 | 422, message: string) {
    super(message);
  }
}

export async function decodeTryInput(bytes: Uint8Array): Promise<TryInput> {
  const started = performance.now();
  const kind = sniffKind(bytes);
  const input = kind === 'png' || kind === 'jpeg' ? fromImage(bytes, kind) : await fromDicom(bytes, kind === 'dicom');
  const { width, height } = input.image;
  if (width * height > MAX_TRY_PIXELS) throw new TryInputError(422, `${width}x${height} is larger than Try it takes (${MAX_TRY_PIXELS / 1e6} megapixels)`);
  return { ...input, decodeMs: performance.now() - started };
}

function fromImage(bytes: Uint8Array, kind: 'png' | 'jpeg'): Omit<TryInput, 'decodeMs'> {
  let gray;
  try {
    gray = decodeImage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), kind.toUpperCase());
  } catch (err) {
    throw new TryInputError(400, (err as Error).message);
  }
  return { kind, image: storedFromGray(gray), source: { bitsStored: gray.bitDepth } };
}

/** `marked`: the file says DICM; otherwise it may still be a bare (ACR-NEMA style) data set. */
async function fromDicom(bytes: Uint8Array, marked: boolean): Promise<Omit<TryInput, 'decodeMs'>> {
  let decoded;
  try {
    decoded = await decodeInstance(bytes);
  } catch (err) {
    const e = err as Error;
    if (!marked && e.name === 'MalformedDicomError') throw new TryInputError(400, 'not a PNG, JPEG or DICOM file');
    const status = e.name === 'MalformedDicomError' ? 400 : e.name.startsWith('Unsupported') ? 422 : undefined;
    if (status) throw new TryInputError(status, `DICOM: ${e.message}`);
    throw err;
  }
  const { image, parsed } = decoded;
  if (image.numberOfFrames > 1) {
    throw new TryInputError(422, `DICOM: ${image.numberOfFrames} frames: only single-frame radiographs are processed`);
  }
  const stored: StoredImage = {
    pixels: image.pixels, width: image.width, height: image.height,
    bitsStored: image.bitsStored, pixelRepresentation: image.pixelRepresentation, photometric: image.photometric,
  };
  return {
    kind: 'dicom', image: stored, dicom: sourceHeader(parsed),
    source: { transferSyntaxUid: image.transferSyntaxUid, transferSyntaxName: image.transferSyntaxName, lossy: image.lossy, bitsStored: image.bitsStored },
  };
}
