// The decoder against DCMTK's transcodes of the committed fixture (lossless ones
// pixel-identical, lossy ones equal to DCMTK's own decompression), and signed, masked and
// shifted stored values, natively and through DCMTK's codecs. References as in decode.test.ts.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodePixels, type DecodedImage } from '../../server/src/pipeline/decode/index.js';
import { TS, dcmtk, encapsulatedFile, encodeFrame, nativeFile, pixelDiff, type ImageSpec } from './dicom-builders.js';
import { FIXTURE, FIXTURE_SPEC, assertIdentical, decodeFile, signedWords } from './decode-helpers.js';
import { tempDir } from './helpers.js';

describe('decoder: DCMTK transcodes of the fixture', () => {
  const tmp = tempDir('sharpxr-decode-');
  const at = (name: string): string => join(tmp.dir, name);
  let reference: DecodedImage;
  before(async () => {
    reference = await decodeFile(FIXTURE);
  });
  after(() => tmp.cleanup());

  // [file, tool, args, transfer syntax]: each must be pixel-identical to the fixture.
  const lossless: readonly [string, string, string[], string][] = [
    ['implicit.dcm', 'dcmconv', ['+ti'], TS.implicitLE],
    ['big-endian.dcm', 'dcmconv', ['+tb'], TS.explicitBE],
    ['deflated.dcm', 'dcmconv', ['+td'], TS.deflated],
    ['acr-nema.dcm', 'dcmconv', ['+ti', '-F'], TS.implicitLE], // data set only: no preamble, no meta
    ['rle.dcm', 'dcmcrle', [], TS.rle],
    ['jpeg-sv1.dcm', 'dcmcjpeg', ['+e1'], TS.jpegLosslessSV1],
    ['jpeg-p14-sv6.dcm', 'dcmcjpeg', ['+el', '+sv', '6'], TS.jpegLossless],
    ['jpls.dcm', 'dcmcjpls', ['+el'], TS.jlsLossless],
  ];
  for (const [name, tool, args, uid] of lossless) {
    it(`${name}: ${uid} is pixel-identical`, async () => {
      dcmtk(tool, [...args, FIXTURE, at(name)]);
      const img = await decodeFile(at(name));
      assert.equal(img.transferSyntaxUid, uid);
      assert.equal(img.hasMetaHeader, name !== 'acr-nema.dcm');
      assert.equal(img.lossy, false);
      assertIdentical(img, reference, name);
    });
  }

  // Lossy: equal (within 1 for the DCT codecs) to DCMTK's own decompression, and flagged lossy.
  const lossy: readonly [string, string, string[], string, string, number][] = [
    ['jpeg-baseline-8bit.dcm', 'dcmcjpeg', ['+eb', '+Wm'], TS.jpegBaseline, 'dcmdjpeg', 1],
    ['jpeg-extended-12bit.dcm', 'dcmcjpeg', ['+ee'], TS.jpegExtended, 'dcmdjpeg', 1],
    ['jpls-near.dcm', 'dcmcjpls', ['+en', '+md', '3'], TS.jlsNear, 'dcmdjpls', 0],
  ];
  for (const [name, tool, args, uid, decompressor, tolerance] of lossy) {
    it(`${name}: ${uid} matches ${decompressor}`, async (t) => {
      dcmtk(tool, [...args, FIXTURE, at(name)]);
      dcmtk(decompressor, [at(name), at(`${name}.ref.dcm`)]);
      const [img, ref] = [await decodeFile(at(name)), await decodeFile(at(`${name}.ref.dcm`))];
      assert.equal(img.transferSyntaxUid, uid);
      assert.equal(img.lossy, true);
      assert.equal(img.bitsAllocated, ref.bitsAllocated);
      const d = pixelDiff(img.pixels, ref.pixels);
      t.diagnostic(`${name}: vs ${decompressor} max ${d.max}, mean ${d.mean.toFixed(4)}`);
      assert.ok(d.max <= tolerance, `${name}: max |diff| ${d.max} > ${tolerance}`);
      if (uid === TS.jlsNear) assert.ok(pixelDiff(img.pixels, reference.pixels).max <= 3, 'JPEG-LS NEAR=3 bound vs original');
    });
  }

  it('lossy overshoot past Bits Stored is clamped, not wrapped', async () => {
    // A 10-bit image in a 12-bit JPEG (as in WG04's JPLY files): ringing at sharp edges
    // decodes above 1023. Encode with a 12-bit header, then say 10 bits as such files do.
    const [w, h] = [128, 96];
    const board = Uint16Array.from({ length: w * h }, (_, i) => ((Math.floor((i % w) / 5) + Math.floor(i / w / 5)) % 2 ? 1023 : 0));
    writeFileSync(at('board.dcm'), nativeFile({ width: w, height: h, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 0 }, board));
    dcmtk('dcmcjpeg', ['+ee', at('board.dcm'), at('board-12.dcm')]);
    dcmtk('dcmdjpeg', [at('board-12.dcm'), at('board-ref.dcm')]);
    const ref = (await decodeFile(at('board-ref.dcm'))).pixels;
    assert.ok(Math.max(...ref) > 1023, 'the test image must overshoot');
    dcmtk('dcmodify', ['-nb', '-m', '(0028,0101)=10', '-m', '(0028,0102)=9', at('board-12.dcm')]);
    const img = await decodeFile(at('board-12.dcm'));
    assert.equal(img.bitsStored, 10);
    assert.equal(pixelDiff(img.pixels, Uint16Array.from(ref, (v) => Math.min(v, 1023))).max, 0);
  });

  it('8-bit: JPEG baseline, RLE and big endian of an 8-bit image decode to Uint8Array', async () => {
    dcmtk('dcmcjpeg', ['+eb', '+Wm', FIXTURE, at('b8.dcm')]);
    dcmtk('dcmdjpeg', [at('b8.dcm'), at('b8-native.dcm')]);
    dcmtk('dcmcrle', [at('b8-native.dcm'), at('b8-rle.dcm')]);
    dcmtk('dcmconv', ['+tb', at('b8-native.dcm'), at('b8-be.dcm')]);
    const native = await decodeFile(at('b8-native.dcm'));
    assert.ok(native.pixels instanceof Uint8Array && native.bitsAllocated === 8);
    for (const name of ['b8-rle.dcm', 'b8-be.dcm']) assertIdentical(await decodeFile(at(name)), native, name);
  });

  it('8-bit codestreams in a Bits Allocated 16 object decode to the same values', async () => {
    // Some writers do this; left alone, each codec returns something different for it.
    dcmtk('dcmcjpeg', ['+eb', '+Wm', FIXTURE, at('w8.dcm')]);
    dcmtk('dcmdjpeg', [at('w8.dcm'), at('w8-native.dcm')]);
    const native = await decodeFile(at('w8-native.dcm'));
    dcmtk('dcmcjpeg', ['+e1', at('w8-native.dcm'), at('w8-jpll.dcm')]);
    dcmtk('dcmcjpls', [at('w8-native.dcm'), at('w8-jls.dcm')]);
    copyFileSync(at('w8.dcm'), at('w8-baseline.dcm'));
    const files: Uint8Array[] = ['w8-baseline.dcm', 'w8-jpll.dcm', 'w8-jls.dcm'].map((name) => {
      dcmtk('dcmodify', ['-nb', '-m', '(0028,0100)=16', at(name)]);
      return readFileSync(at(name));
    });
    const spec8: ImageSpec = { ...FIXTURE_SPEC, bitsAllocated: 8, bitsStored: 8 };
    const words = native.pixels as Uint8Array;
    for (const [uid, encoder] of [[TS.j2kLossless, 'encodeJpeg2000'], [TS.htj2kLossless, 'encodeHtJpeg2000']] as const) {
      files.push(encapsulatedFile(uid, { ...spec8, bitsAllocated: 16 }, [await encodeFrame(encoder, spec8, words, { lossy: false })]));
    }
    for (const [i, bytes] of files.entries()) {
      const img = await decodePixels(bytes);
      assert.ok(img.bitsAllocated === 16 && img.pixels instanceof Uint16Array, `case ${i}`);
      assert.equal(pixelDiff(img.pixels, native.pixels).max, 0, `case ${i}: ${img.transferSyntaxName}`);
    }
  });
});

describe('decoder: signed, masked and shifted stored values', () => {
  const tmp = tempDir('sharpxr-decode-signed-');
  const at = (name: string): string => join(tmp.dir, name);
  const signedSpec: ImageSpec = { ...FIXTURE_SPEC, bitsStored: 12, pixelRepresentation: 1, photometric: 'MONOCHROME2' };
  let base: Uint16Array;
  let expected: Int16Array;
  before(async () => {
    base = (await decodeFile(FIXTURE)).pixels as Uint16Array;
    expected = signedWords(base);
    writeFileSync(at('signed.dcm'), nativeFile(signedSpec, expected));
  });
  after(() => tmp.cleanup());

  it('signed 12-bit native decodes to Int16Array with negative values', async () => {
    const img = await decodeFile(at('signed.dcm'));
    assert.ok(img.pixels instanceof Int16Array && img.pixelRepresentation === 1);
    assert.equal(pixelDiff(img.pixels, expected).max, 0);
  });

  it('bits above Bits Stored are masked off and the sign extended from Bits Stored', async () => {
    // Unextended 12-bit two's complement with junk (as from an overlay) in bits 12-15.
    const dirty = Uint16Array.from(expected, (v, i) => (v & 0x0fff) | ((i * 0x1000) & 0xf000));
    const img = await decodePixels(nativeFile(signedSpec, dirty));
    assert.equal(pixelDiff(img.pixels, expected).max, 0);
    const unsigned = Uint16Array.from(base, (v, i) => v | ((i % 7) << 12));
    const u = await decodePixels(nativeFile(FIXTURE_SPEC, unsigned));
    assert.equal(pixelDiff(u.pixels, base).max, 0);
  });

  it('a High Bit above Bits Stored - 1 shifts the values down', async () => {
    const shifted = Uint16Array.from(base, (v, i) => (v << 4) | (i & 0xf)); // bits 4..13, junk in 0..3
    const img = await decodePixels(nativeFile({ ...FIXTURE_SPEC, highBit: 13 }, shifted));
    assert.equal(img.highBit, 13);
    assert.equal(pixelDiff(img.pixels, base).max, 0);
  });

  it('8-bit signed and 16-bit signed full-range', async () => {
    const s8 = Int8Array.from(base, (v) => (v >> 2) - 128);
    const img8 = await decodePixels(nativeFile({ ...FIXTURE_SPEC, bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 1 }, s8));
    assert.ok(img8.pixels instanceof Int8Array);
    assert.equal(pixelDiff(img8.pixels, s8).max, 0);
    const s16 = Int16Array.from(base, (v) => v * 60 - 30000);
    const img16 = await decodePixels(nativeFile({ ...FIXTURE_SPEC, bitsStored: 16, pixelRepresentation: 1 }, s16));
    assert.equal(pixelDiff(img16.pixels, s16).max, 0);
  });

  for (const [name, tool, args] of [
    ['s-jpeg-sv1.dcm', 'dcmcjpeg', ['+e1']],
    ['s-jpls.dcm', 'dcmcjpls', ['+el']],
    ['s-rle.dcm', 'dcmcrle', []],
    ['s-be.dcm', 'dcmconv', ['+tb']],
  ] as const) {
    it(`signed 12-bit through DCMTK: ${name}`, async () => {
      dcmtk(tool, [...args, at('signed.dcm'), at(name)]);
      const img = await decodeFile(at(name));
      assert.ok(img.pixels instanceof Int16Array);
      assert.equal(pixelDiff(img.pixels, expected).max, 0, name);
    });
  }
});
