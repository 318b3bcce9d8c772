// The decoder on JPEG 2000, HTJ2K, JPEG XL and encapsulated uncompressed data, which DCMTK
// cannot write: frames encoded in process with dcmjs-codecs' encoders from the committed
// fixture, whose decoded values are the reference (see decode.test.ts).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { decodePixels } from '../../server/src/pipeline/decode/index.js';
import { TS, encapsulatedFile, encodeFrame, nativeFile, pixelDiff, type ImageSpec } from './dicom-builders.js';
import { FIXTURE, FIXTURE_SPEC, decodeFile, signedWords } from './decode-helpers.js';

describe('decoder: JPEG 2000, HTJ2K, JPEG XL and encapsulated uncompressed (in-process encoders)', () => {
  let base: Uint16Array;
  before(async () => {
    base = (await decodeFile(FIXTURE)).pixels as Uint16Array;
  });

  const cases: readonly [string, 'encodeJpeg2000' | 'encodeHtJpeg2000' | 'encodeJpegXl', Record<string, unknown>, boolean][] = [
    [TS.j2kLossless, 'encodeJpeg2000', { lossy: false }, false],
    [TS.j2k, 'encodeJpeg2000', { lossy: true, rate: 20 }, true],
    [TS.htj2kLossless, 'encodeHtJpeg2000', { lossy: false }, false],
    [TS.htj2kRpcl, 'encodeHtJpeg2000', { lossy: false, progressionOrder: 2 }, false],
    [TS.htj2k, 'encodeHtJpeg2000', { lossy: true }, true],
    [TS.jxlLossless, 'encodeJpegXl', { lossy: false }, false],
  ];
  for (const [uid, encoder, params, lossy] of cases) {
    it(`${uid} (${encoder} ${JSON.stringify(params)}), split over 16 KiB fragments`, async (t) => {
      const frame = await encodeFrame(encoder, FIXTURE_SPEC, base, params);
      const img = await decodePixels(encapsulatedFile(uid, FIXTURE_SPEC, [frame], { fragmentSize: 16384 }));
      assert.equal(img.transferSyntaxUid, uid);
      assert.equal(img.lossy, lossy);
      const d = pixelDiff(img.pixels, base);
      t.diagnostic(`${uid}: max ${d.max}, mean ${d.mean.toFixed(4)}`);
      if (lossy) assert.ok(d.max > 0 && d.max <= 0.15 * 1024 && d.mean <= 0.005 * 1024, `${uid}: max ${d.max} mean ${d.mean}`);
      else assert.equal(d.max, 0);
    });
  }

  it('signed 12-bit through JPEG 2000 and HTJ2K lossless', async () => {
    const spec: ImageSpec = { ...FIXTURE_SPEC, bitsStored: 12, pixelRepresentation: 1 };
    const expected = signedWords(base);
    for (const [uid, encoder] of [[TS.j2kLossless, 'encodeJpeg2000'], [TS.htj2kLossless, 'encodeHtJpeg2000']] as const) {
      const frame = await encodeFrame(encoder, spec, expected, { lossy: false });
      const img = await decodePixels(encapsulatedFile(uid, spec, [frame]));
      assert.ok(img.pixels instanceof Int16Array);
      assert.equal(pixelDiff(img.pixels, expected).max, 0, uid);
    }
  });

  it('encapsulated uncompressed (1.2.840.10008.1.2.1.98)', async () => {
    const bytes = new Uint8Array(base.buffer, base.byteOffset, base.byteLength);
    const img = await decodePixels(encapsulatedFile(TS.encapsulatedUncompressed, FIXTURE_SPEC, [bytes], { fragmentSize: 10000 }));
    assert.equal(pixelDiff(img.pixels, base).max, 0);
  });

  it('multi-frame: frame 0 is found with and without a Basic Offset Table, and the count reported', async () => {
    const other = Uint16Array.from(base, (v) => 1023 - v);
    const frames = [await encodeFrame('encodeJpeg2000', FIXTURE_SPEC, base, { lossy: false }), await encodeFrame('encodeJpeg2000', FIXTURE_SPEC, other, { lossy: false })];
    for (const offsetTable of [true, false]) {
      const img = await decodePixels(encapsulatedFile(TS.j2kLossless, FIXTURE_SPEC, frames, { fragmentSize: 8192, offsetTable }));
      assert.equal(img.numberOfFrames, 2);
      assert.equal(pixelDiff(img.pixels, base).max, 0, `offset table: ${offsetTable}`);
    }
    const twoNative = new Uint16Array([...base, ...other]);
    const native = await decodePixels(nativeFile({ ...FIXTURE_SPEC, frames: 2 }, twoNative));
    assert.equal(native.numberOfFrames, 2);
    assert.equal(pixelDiff(native.pixels, base).max, 0);
  });
});
