// PNG/JPEG reading and writing: bit depths, exact round trips, colour to gray.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import {
  decodeImage, encodePng, ImageFormatError, quantize, readImage, writePng, type GrayImage,
} from '../../server/src/imaging/index.js';
import { fixtureJpegPath, seededRandom, tempDir } from './helpers.js';

function randomImage(width: number, height: number, bitDepth: 8 | 16, seed: number): GrayImage {
  const rand = seededRandom(seed);
  const max = bitDepth === 16 ? 65535 : 255;
  const pixels = Float32Array.from({ length: width * height }, () => Math.floor(rand() * (max + 1)) / max);
  return { width, height, pixels, bitDepth };
}

/** Bit depth and colour type straight from the IHDR chunk. */
function ihdr(png: Buffer): { bitDepth: number; colorType: number } {
  return { bitDepth: png[24]!, colorType: png[25]! };
}

describe('imaging', () => {
  const tmp = tempDir('sharpxr-imaging-');
  after(() => tmp.cleanup());

  it('round-trips 16-bit gray PNG exactly', async () => {
    const image = randomImage(67, 41, 16, 1);
    const path = join(tmp.dir, 'g16.png');
    await writePng(path, image);
    assert.deepEqual(ihdr(readFileSync(path)), { bitDepth: 16, colorType: 0 });
    const back = await readImage(path);
    assert.equal(back.bitDepth, 16);
    assert.deepEqual(quantize(back.pixels, 16), quantize(image.pixels, 16));
    assert.deepEqual([back.width, back.height], [67, 41]);
  });

  it('round-trips 8-bit gray PNG exactly', () => {
    const image = randomImage(33, 20, 8, 2);
    const png = encodePng(image);
    assert.deepEqual(ihdr(png), { bitDepth: 8, colorType: 0 });
    const back = decodeImage(png);
    assert.equal(back.bitDepth, 8);
    assert.deepEqual(quantize(back.pixels, 8), quantize(image.pixels, 8));
  });

  it('reads 16-bit values that pngjs would otherwise rescale to 8 bits', () => {
    const png = new PNG({ width: 2, height: 1 });
    const data = Buffer.alloc(4); // 16-bit gray, big-endian: 0x0101 and 0xfffe
    data.writeUInt16BE(0x0101, 0);
    data.writeUInt16BE(0xfffe, 2);
    const file = PNG.sync.write(Object.assign(png, { data: nativeSamples(data) }), {
      bitDepth: 16, colorType: 0, inputColorType: 0, inputHasAlpha: false,
    });
    const back = decodeImage(file);
    assert.deepEqual(Array.from(quantize(back.pixels, 16)), [0x0101, 0xfffe]);
  });

  it('turns colour PNG into luma and keeps gray-as-RGB exact', () => {
    const png = new PNG({ width: 2, height: 1 });
    png.data = Buffer.from([255, 0, 0, 255, 77, 77, 77, 255]);
    const back = decodeImage(PNG.sync.write(png, { colorType: 2 }));
    assert.ok(Math.abs(back.pixels[0]! - 0.299) < 1e-6);
    assert.equal(back.pixels[1], Math.fround(77 / 255));
  });

  it('reads an 8-bit JPEG radiograph as gray in [0, 1]', async () => {
    const path = fixtureJpegPath();
    const buf = path ? readFileSync(path) : jpeg.encode({ width: 64, height: 48, data: Buffer.alloc(64 * 48 * 4, 128) }, 95).data;
    const image = decodeImage(buf, path ?? 'encoded');
    assert.equal(image.bitDepth, 8);
    assert.ok(image.width > 0 && image.height > 0);
    let min = 1;
    let max = 0;
    for (const v of image.pixels) [min, max] = [Math.min(min, v), Math.max(max, v)];
    assert.ok(min >= 0 && max <= 1, `range [${min}, ${max}]`);
    if (path) assert.ok(max - min > 0.5, `a radiograph should use the range, got [${min}, ${max}]`);
  });

  it('names the file it cannot decode', () => {
    const bad = join(tmp.dir, 'bad.png');
    writeFileSync(bad, 'not an image');
    assert.throws(() => decodeImage(readFileSync(bad), bad), (err: Error) =>
      err instanceof ImageFormatError && err.message.includes(bad));
    const truncated = encodePng(randomImage(40, 40, 8, 3)).subarray(0, 60);
    assert.throws(() => decodeImage(truncated, 'cut.png'), /cut\.png: cannot decode/);
  });

  it('clamps and rounds when quantising', () => {
    const q = quantize(Float32Array.from([-0.5, 0, 0.5, 1, 2, Number.NaN]), 8);
    assert.deepEqual(Array.from(q), [0, 0, 128, 255, 255, 0]);
  });
});

/** pngjs's packer reads 16-bit input as native-endian Uint16 samples (one per gray pixel). */
function nativeSamples(bigEndian: Buffer): Buffer {
  const samples = new Uint16Array(bigEndian.length / 2);
  for (let i = 0; i < samples.length; i++) samples[i] = bigEndian.readUInt16BE(i * 2);
  return Buffer.from(samples.buffer);
}
