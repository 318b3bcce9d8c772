// The node's image format for the console (GET /api/jobs/:id/image, server/src/jobs/image):
// the stored pixel values as little-endian 16-bit words, described by X-Image-* headers. No
// DOM here (the node tests run it). Two things decide how the words read:
// - X-Pixel-Representation 1: two's complement (Int16), already sign-extended by the node
//   from Bits Stored; read as Uint16 a -1 would become 65535 and the window would be nonsense.
// - X-Photometric MONOCHROME1: a larger value is darker, so the window starts inverted.
// The window headers are in stored-value units, like the words, so no rescale is needed to
// show one image; two images with different rescales are brought to common units first.
import type { GrayImage, Windowing } from './windowing.js';

export interface RawImageMeta {
  readonly width: number;
  readonly height: number;
  readonly bitsStored: number;
  readonly signed: boolean;
  readonly photometric: 'MONOCHROME1' | 'MONOCHROME2';
  /** The file's window (or the node's percentile window), inverted for MONOCHROME1. */
  readonly window: Windowing;
  readonly windowSource: string;
  readonly rescaleSlope: number;
  readonly rescaleIntercept: number;
}

export interface RawImage {
  readonly image: GrayImage;
  readonly meta: RawImageMeta;
}

type Header = (name: string) => string | null;

function num(header: Header, name: string, fallback?: number): number {
  const text = header(name);
  const v = text === null || text.trim() === '' ? fallback : Number(text);
  if (v === undefined || !Number.isFinite(v)) throw new Error(`the image answer has no usable ${name} header (${text ?? 'missing'})`);
  return v;
}

export function parseRawMeta(header: Header): RawImageMeta {
  const width = num(header, 'X-Image-Width');
  const height = num(header, 'X-Image-Height');
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new Error(`the image answer's size ${width}×${height} is not an image size`);
  const photometric = (header('X-Photometric') ?? 'MONOCHROME2').trim().toUpperCase() === 'MONOCHROME1' ? 'MONOCHROME1' : 'MONOCHROME2';
  return {
    width, height,
    bitsStored: num(header, 'X-Bits-Stored', 16),
    signed: num(header, 'X-Pixel-Representation', 0) === 1,
    photometric,
    window: { center: num(header, 'X-Window-Center'), width: Math.max(1, num(header, 'X-Window-Width')), invert: photometric === 'MONOCHROME1' },
    windowSource: header('X-Window-Source') ?? 'file',
    rescaleSlope: num(header, 'X-Rescale-Slope', 1) || 1,
    rescaleIntercept: num(header, 'X-Rescale-Intercept', 0),
  };
}

/** Words → typed pixels, read little endian whatever the platform, signed when the headers say so. */
export function decodeRawImage(bytes: ArrayBuffer, header: Header): RawImage {
  const meta = parseRawMeta(header);
  const count = meta.width * meta.height;
  if (bytes.byteLength !== count * 2) throw new Error(`the image answer has ${bytes.byteLength} bytes; ${meta.width}×${meta.height} 16-bit pixels are ${count * 2}`);
  const view = new DataView(bytes);
  const data = meta.signed ? new Int16Array(count) : new Uint16Array(count);
  if (meta.signed) for (let i = 0; i < count; i++) data[i] = view.getInt16(i * 2, true);
  else for (let i = 0; i < count; i++) data[i] = view.getUint16(i * 2, true);
  return { image: { width: meta.width, height: meta.height, data }, meta };
}

/**
 * `b` in `a`'s stored-value units, so one window shows both the same way: unchanged when their
 * rescales agree (the usual case: the node writes the derived image with the source's), else
 * through modality units as floats. Photometric interpretations that differ are turned too.
 */
export function inUnitsOf(a: RawImageMeta, b: RawImage): GrayImage {
  const bm = b.meta;
  const sameRescale = bm.rescaleSlope === a.rescaleSlope && bm.rescaleIntercept === a.rescaleIntercept;
  if (sameRescale && bm.photometric === a.photometric) return b.image;
  const src = b.image.data;
  const out = new Float32Array(src.length);
  // A photometric flip mirrors the values about b's own window center (its file's idea of mid-gray).
  const flip = bm.photometric !== a.photometric;
  const mid = bm.window.center;
  for (let i = 0; i < src.length; i++) {
    const stored = flip ? 2 * mid - src[i]! : src[i]!;
    out[i] = (stored * bm.rescaleSlope + bm.rescaleIntercept - a.rescaleIntercept) / a.rescaleSlope;
  }
  return { width: b.image.width, height: b.image.height, data: out };
}
