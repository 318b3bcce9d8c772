// A dropped file -> the stored image both engines work on, decoded in this browser whenever it
// can be: 8-bit PNG by the browser's own decoder (createImageBitmap, a canvas: lossless, so the
// node's pngjs values), 16-bit PNG by png.ts (a canvas keeps 8 bits), JPEG by jpeg-js as the
// node decodes it (the browser's libjpeg-turbo rounds its IDCT differently: up to a level
// apart, 4e-3 in the model's units, where the node's result is the reference), uncompressed DICOM with dcmjs and the node's own decode
// files (data set location, truncation check, pixel attributes, frame and bit extraction). A
// compressed or deflated DICOM, or an interlaced 16-bit PNG, goes to the node's decoder
// (/api/try/decode): then the file does leave the machine, and the page says so.
import { apiFetch } from '../../api.js';
import {
  DecodeError, decodeContainer, locateDataSet, MalformedDicomError, nativeFrame, readDataSetWith, readPixelAttributes,
  sniffKind, storedFromGray, toGray, toStoredValues, type StoredImage, type StoredPixels, type TryKind,
} from './node-shared.js';
import { decodePng16, pngHeader } from './png.js';

export interface LoadedInput {
  readonly name: string;
  readonly kind: TryKind;
  readonly bytes: Uint8Array;
  readonly image: StoredImage;
  /** 'node' when the browser could not decode it (the file was sent to the node for that). */
  readonly decodedBy: 'browser' | 'node';
  readonly detail: string;
  readonly decodeMs: number;
}

/** A file Try it cannot take, worded for the person who dropped it. */
export class InputError extends Error {
  override name = 'InputError';
}

export async function decodeFile(file: File): Promise<LoadedInput> {
  const started = performance.now();
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes.length === 0) throw new InputError(`${file.name} is empty`);
  const kind = sniffKind(bytes);
  const decoded = kind === 'png' ? await fromPng(bytes) : kind === 'jpeg' ? await fromJpeg(bytes) : await fromDicom(bytes, kind === 'dicom');
  return { name: file.name, bytes, ...decoded, decodeMs: performance.now() - started };
}

type Decoded = Omit<LoadedInput, 'name' | 'bytes' | 'decodeMs'>;

async function fromPng(bytes: Uint8Array): Promise<Decoded> {
  const h = pngHeader(bytes)!;
  if (h.depth !== 16) return fromCanvas(bytes, 'PNG');
  if (h.interlaced) return fromNode(bytes, 'interlaced 16-bit PNG');
  const { width, height, rgba } = await decodePng16(bytes).catch((err: Error) => {
    throw new InputError(`PNG: cannot decode: ${err.message}`);
  });
  const image = storedFromGray({ width, height, pixels: toGray(rgba, 4, width * height, 65535), bitDepth: 16 });
  return { kind: 'png', image, decodedBy: 'browser', detail: `16-bit PNG, ${width}×${height}` };
}

/** With the options of the node's imaging/jpeg.ts (its size guard raised as there). */
async function fromJpeg(bytes: Uint8Array): Promise<Decoded> {
  const { default: jpeg } = await import('jpeg-js');
  let decoded;
  try {
    decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: 200, maxMemoryUsageInMB: 2048 });
  } catch (err) {
    throw new InputError(`JPEG: cannot decode: ${(err as Error).message}`);
  }
  const { width, height } = decoded;
  const image = storedFromGray({ width, height, pixels: toGray(decoded.data, 3, width * height, 255), bitDepth: 8 });
  return { kind: 'jpeg', image, decodedBy: 'browser', detail: `8-bit JPEG, ${width}×${height}` };
}

async function fromCanvas(bytes: Uint8Array, what: 'PNG'): Promise<Decoded> {
  let bitmap: ImageBitmap;
  try {
    // No colour management: the pixel values are the data, as the node's decoders read them.
    bitmap = await createImageBitmap(new Blob([bytes as BlobPart]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new InputError(`${what}: the browser cannot decode this file (damaged or not really a ${what})`);
  }
  const { width, height } = bitmap;
  const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new InputError('this browser has no 2D canvas to decode images with');
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const image = storedFromGray({ width, height, pixels: toGray(rgba, 4, width * height, 255), bitDepth: 8 });
  return { kind: 'png', image, decodedBy: 'browser', detail: `8-bit ${what}, ${width}×${height}` };
}

async function fromDicom(bytes: Uint8Array, marked: boolean): Promise<Decoded> {
  try {
    const { syntax, datasetStart } = locateDataSet(bytes);
    if (syntax.codec || syntax.deflated) return fromNode(bytes, syntax.name);
    const { default: dcmjs } = await import('dcmjs');
    const dataset = readDataSetWith(dcmjs, syntax.uid, bytes.subarray(datasetStart));
    const element = dataset['7FE00010'];
    if (!element) throw new MalformedDicomError('no Pixel Data (7FE0,0010): not an image, or the file is truncated');
    const attrs = readPixelAttributes(dataset);
    if (attrs.numberOfFrames > 1) throw new InputError(`DICOM: ${attrs.numberOfFrames} frames: only single-frame radiographs are processed`);
    // As the node's decodeParsed for a native syntax: bits outside Bits Stored are masked off.
    const pixels = toStoredValues(nativeFrame(element, syntax, attrs), attrs.width * attrs.height, attrs, 'mask');
    const image: StoredImage = { pixels, width: attrs.width, height: attrs.height, bitsStored: attrs.bitsStored, pixelRepresentation: attrs.pixelRepresentation, photometric: attrs.photometric };
    return { kind: 'dicom', image, decodedBy: 'browser', detail: `DICOM ${syntax.name}, ${attrs.width}×${attrs.height}, ${attrs.bitsStored}-bit ${attrs.photometric}` };
  } catch (err) {
    if (err instanceof InputError) throw err;
    if (!marked && err instanceof MalformedDicomError) throw new InputError('not a PNG, JPEG or DICOM file');
    if (err instanceof DecodeError || (err as Error).name?.startsWith('Unsupported')) throw new InputError(`DICOM: ${(err as Error).message}`);
    throw err;
  }
}

/** The node decodes it (compressed DICOM and the like); the stored pixels come back as they are. */
async function fromNode(bytes: Uint8Array, what: string): Promise<Decoded> {
  const res = await apiFetch('/api/try/decode', { body: bytes, contentType: 'application/octet-stream' });
  const { meta, arrays } = decodeContainer<{ kind: TryKind; width: number; height: number; format: Omit<StoredImage, 'pixels' | 'width' | 'height'> }>(await res.arrayBuffer());
  const image: StoredImage = { ...meta.format, width: meta.width, height: meta.height, pixels: arrays.source as StoredPixels };
  return { kind: meta.kind, image, decodedBy: 'node', detail: `${what}, ${meta.width}×${meta.height}, decoded by the node (this browser cannot)` };
}
