// Screen values into canvases the panes draw from. Each image is windowed once into an
// offscreen canvas at its own resolution; zooming and panning then only redraw that canvas
// with a transform (cheap), and only a window change goes through the pixels again.
import type { GrayImage } from './windowing.js';

/** One byte per pixel → an opaque gray canvas of width×height. */
export function grayCanvas(bytes: Uint8Array, width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx || width === 0 || height === 0) return canvas;
  const img = ctx.createImageData(width, height);
  const rgba = new Uint32Array(img.data.buffer);
  // One 32-bit store per pixel; the platforms browsers run on are little endian (ABGR order).
  for (let i = 0; i < bytes.length && i < rgba.length; i++) {
    const v = bytes[i]!;
    rgba[i] = 0xff000000 | (v << 16) | (v << 8) | v;
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}

/** A 0..1 map (e.g. the guard's change map) as translucent amber: 0 clear, 1 at 60 % opacity. */
export function overlayCanvas(map: GrayImage): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = map.width;
  canvas.height = map.height;
  const ctx = canvas.getContext('2d');
  if (!ctx || map.width === 0 || map.height === 0) return canvas;
  const img = ctx.createImageData(map.width, map.height);
  const px = img.data;
  for (let i = 0; i < map.data.length; i++) {
    const a = Math.min(1, Math.max(0, map.data[i]!));
    px[i * 4] = 255;
    px[i * 4 + 1] = 176;
    px[i * 4 + 2] = 32;
    px[i * 4 + 3] = Math.round(a * 153);
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}
