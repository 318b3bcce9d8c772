// Reading and writing image files (PNG, JPEG) as GrayImage.
import { readFile, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { decodeJpeg } from './jpeg.js';
import { decodePng, encodePng } from './png.js';
import type { GrayImage } from './gray.js';

export class ImageFormatError extends Error {
  override name = 'ImageFormatError';
}

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;

export function isImagePath(path: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(extname(path).toLowerCase());
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Decode by content (signature), not by file name, so a mislabelled file still reads. */
export function decodeImage(data: Buffer, name = 'image'): GrayImage {
  try {
    if (data.subarray(0, 8).equals(PNG_SIGNATURE)) return decodePng(data);
    if (data[0] === 0xff && data[1] === 0xd8) return decodeJpeg(data);
  } catch (err) {
    throw new ImageFormatError(`${name}: cannot decode: ${(err as Error).message}`);
  }
  throw new ImageFormatError(`${name}: not a PNG or JPEG file`);
}

export async function readImage(path: string): Promise<GrayImage> {
  return decodeImage(await readFile(path), path);
}

export async function writePng(path: string, image: GrayImage): Promise<void> {
  await writeFile(path, encodePng(image));
}
