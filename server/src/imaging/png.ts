// PNG via pngjs. Reading keeps 16-bit samples (skipRescale) instead of pngjs's default
// reduction to 8 bits; writing emits single-channel gray at the image's bit depth.
import { PNG, type PackerOptions } from 'pngjs';
import { quantize, toGray, type GrayImage } from './gray.js';

export function decodePng(data: Buffer): GrayImage {
  const png = PNG.sync.read(data, { skipRescale: true });
  // pngjs always hands back RGBA: Uint16Array for 16-bit files, bytes otherwise.
  // Palettes are expanded to 8-bit colours; gray below 8 bits stays at its own scale.
  const max = png.depth === 16 ? 65535 : png.palette ? 255 : 2 ** png.depth - 1;
  const pixels = toGray(png.data as ArrayLike<number>, 4, png.width * png.height, max);
  return { width: png.width, height: png.height, pixels, bitDepth: png.depth === 16 ? 16 : 8 };
}

export function encodePng(image: GrayImage): Buffer {
  const samples = quantize(image.pixels, image.bitDepth);
  // pngjs views 16-bit input through `new Uint16Array(buffer.buffer)`, ignoring any
  // byteOffset, so hand it a Buffer that owns its whole ArrayBuffer (no pooled slice).
  const data = Buffer.from(samples.buffer, 0, samples.byteLength);
  const options: PackerOptions = {
    bitDepth: image.bitDepth,
    colorType: 0,
    inputColorType: 0,
    inputHasAlpha: false,
  };
  const target = { width: image.width, height: image.height, data } as PNG;
  return PNG.sync.write(target, options);
}
