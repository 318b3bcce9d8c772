// A decoded DICOM frame as the console draws it: the stored pixel values at full bit depth as
// little-endian 16-bit words, and the window to show them with, in stored-value units. The
// file's VOI window (0028,1050/1051) is in output units, after the rescale, so it is mapped
// back through Rescale Slope/Intercept; without one the 0.5 % and 99.5 % percentiles of the
// pixels make the window (the extremes are collimator edges and markers).
import type { DecodedImage } from '../../pipeline/decode/index.js';

export interface RenderedImage {
  readonly width: number;
  readonly height: number;
  readonly bitsStored: number;
  /** 1: the words are two's complement (Int16); 0: unsigned. */
  readonly pixelRepresentation: 0 | 1;
  readonly photometric: 'MONOCHROME1' | 'MONOCHROME2';
  readonly windowCenter: number;
  readonly windowWidth: number;
  readonly windowSource: 'file' | 'percentiles';
  readonly rescaleSlope: number;
  readonly rescaleIntercept: number;
  /** width*height 16-bit words, little endian (the platform's order, which Node's always is). */
  readonly words: Uint16Array | Int16Array;
}

export const PERCENTILES = { low: 0.005, high: 0.995 } as const;

export function renderDecoded(image: DecodedImage): RenderedImage {
  const words = toWords(image.pixels);
  const window = fileWindow(image) ?? percentileWindow(words);
  return {
    width: image.width, height: image.height, bitsStored: image.bitsStored, pixelRepresentation: image.pixelRepresentation,
    photometric: image.photometric, ...window, rescaleSlope: image.rescaleSlope, rescaleIntercept: image.rescaleIntercept, words,
  };
}

/** 8-bit frames widen to 16 bits; 16-bit ones are used as decoded (no copy). */
function toWords(pixels: DecodedImage['pixels']): Uint16Array | Int16Array {
  if (pixels instanceof Uint16Array || pixels instanceof Int16Array) return pixels;
  return pixels instanceof Int8Array ? Int16Array.from(pixels) : Uint16Array.from(pixels);
}

type Window = Pick<RenderedImage, 'windowCenter' | 'windowWidth' | 'windowSource'>;

function fileWindow(image: DecodedImage): Window | undefined {
  const { windowCenter: c, windowWidth: w, rescaleSlope: slope, rescaleIntercept: intercept } = image;
  if (c === undefined || w === undefined || !(w > 0) || slope === 0) return undefined;
  return { windowCenter: (c - intercept) / slope, windowWidth: w / Math.abs(slope), windowSource: 'file' };
}

/** Percentiles by histogram: one pass over the pixels, one over at most 65536 bins. */
export function percentileWindow(words: Uint16Array | Int16Array): Window {
  let min = Infinity;
  let max = -Infinity;
  for (const v of words) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (words.length === 0) return { windowCenter: 0, windowWidth: 1, windowSource: 'percentiles' };
  const bins = new Uint32Array(max - min + 1);
  for (const v of words) bins[v - min]!++;
  const at = (fraction: number): number => {
    const target = fraction * (words.length - 1);
    let seen = 0;
    for (let i = 0; i < bins.length; i++) {
      seen += bins[i]!;
      if (seen > target) return i + min;
    }
    return max;
  };
  const lo = at(PERCENTILES.low);
  const hi = at(PERCENTILES.high);
  return { windowCenter: (lo + hi + 1) / 2, windowWidth: Math.max(1, hi - lo + 1), windowSource: 'percentiles' };
}
