// Gray images to 8-bit screen values, in plain TypeScript (no DOM: the node tests run it).
// The images keep their full bit depth until this point; the window (center/width in the
// images' own value units) picks which part of that range the 256 screen levels show, the way
// DICOM's linear VOI function does (PS3.3 C.11.2.1.2), and `invert` turns it for MONOCHROME1,
// where a larger value is darker.

/** Int8Array too: a decoder's signed 8-bit stored values (rare, but DICOM allows them). */
export type GrayData = Float32Array | Uint16Array | Int16Array | Uint8Array | Int8Array;

export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly data: GrayData;
}

export interface Windowing {
  readonly center: number;
  readonly width: number;
  readonly invert?: boolean;
}

/** DICOM's linear VOI function: value → 0..255 (before inversion). */
export function windowValue(v: number, w: Windowing): number {
  const width = Math.max(1, w.width);
  const lo = w.center - 0.5 - (width - 1) / 2;
  const hi = w.center - 0.5 + (width - 1) / 2;
  let y: number;
  if (v <= lo) y = 0;
  else if (v > hi) y = 255;
  else y = ((v - (w.center - 0.5)) / (width - 1) + 0.5) * 255;
  y = Math.round(Math.min(255, Math.max(0, y)));
  return w.invert ? 255 - y : y;
}

/**
 * A lookup table for integer data: entry i is the screen value of (i + offset). Integer images
 * are windowed through it (one table of at most 65536 entries instead of the arithmetic per
 * pixel, which matters for a 2000×2500 radiograph dragged at 60 frames a second).
 */
function integerLut(data: Exclude<GrayData, Float32Array>, w: Windowing): { lut: Uint8Array; offset: number } {
  const offset = data instanceof Int16Array ? -32768 : data instanceof Int8Array ? -128 : 0;
  const size = data instanceof Uint8Array || data instanceof Int8Array ? 256 : 65536;
  const lut = new Uint8Array(size);
  for (let i = 0; i < size; i++) lut[i] = windowValue(i + offset, w);
  return { lut, offset };
}

/** Screen values (one byte per pixel) of the image under the window. */
export function windowImage(image: GrayImage, w: Windowing, out = new Uint8Array(image.width * image.height)): Uint8Array {
  const { data } = image;
  const n = Math.min(out.length, data.length);
  if (data instanceof Float32Array) {
    for (let i = 0; i < n; i++) out[i] = windowValue(data[i]!, w);
    return out;
  }
  const { lut, offset } = integerLut(data, w);
  for (let i = 0; i < n; i++) out[i] = lut[data[i]! - offset]!;
  return out;
}

/**
 * |a − b| × gain on the screen: a difference of one window width times gain is white, so the
 * map is read in the same units as the images (a change of 1/gain of the window shows fully).
 * The window's center does not matter here and neither does inversion (a difference has no
 * photometric sense); 0 is black, "unchanged".
 */
export function differenceImage(a: GrayImage, b: GrayImage, w: Windowing, gain: number, out = new Uint8Array(a.width * a.height)): Uint8Array {
  if (!sameSize(a, b)) throw new Error(`the images differ in size (${a.width}×${a.height} and ${b.width}×${b.height})`);
  const scale = (255 * Math.max(0, gain)) / Math.max(1, w.width);
  const n = Math.min(out.length, a.data.length, b.data.length);
  for (let i = 0; i < n; i++) {
    const d = Math.abs(a.data[i]! - b.data[i]!) * scale;
    out[i] = d >= 255 ? 255 : Math.round(d);
  }
  return out;
}

export function sameSize(a: GrayImage, b: GrayImage): boolean {
  return a.width === b.width && a.height === b.height;
}

/** Smallest and largest value (for the "full range" preset). */
export function valueRange(image: GrayImage): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of image.data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return Number.isFinite(min) ? { min, max } : { min: 0, max: 1 };
}

export interface WindowPreset {
  readonly id: string;
  readonly label: string;
  readonly window: Windowing;
}

/**
 * Presets relative to the window the view started with (the file's, or the percentiles'):
 * stored values of radiographs have no fixed meaning across detectors, so absolute presets
 * like CT's lung/bone would mean nothing. Inversion is kept as it is.
 */
export function windowPresets(initial: Windowing, range: { min: number; max: number } | undefined): WindowPreset[] {
  const keep = { invert: initial.invert };
  const out: WindowPreset[] = [
    { id: 'default', label: 'Default', window: initial },
    { id: 'narrow', label: 'More contrast', window: { ...keep, center: initial.center, width: Math.max(1, initial.width / 2) } },
    { id: 'wide', label: 'Less contrast', window: { ...keep, center: initial.center, width: initial.width * 2 } },
  ];
  if (range) out.push({ id: 'full', label: 'Full range', window: { ...keep, center: (range.min + range.max + 1) / 2, width: Math.max(1, range.max - range.min + 1) } });
  return out;
}

/**
 * Window drag: right moves widen the window, up moves brighten the image (the center goes
 * down, or up for an inverted window so "up" still brightens). `span` is the value range one
 * full pane-width of dragging covers.
 */
export function dragWindow(start: Windowing, dx: number, dy: number, paneWidth: number, span: number): Windowing {
  const perPixel = span / Math.max(1, paneWidth);
  const sign = start.invert ? -1 : 1;
  return { ...start, width: Math.max(1, start.width + dx * perPixel), center: start.center + sign * dy * perPixel };
}
