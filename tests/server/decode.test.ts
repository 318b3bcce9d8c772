// The DICOM pixel decoder (issue 3, item 6): every transfer syntax, bit depth, sign and
// photometric a radiograph arrives in must give the stored values an independent decoder gives.
//
// References, never our own decoder: pydicom for the committed fixture, DCMTK (dcmcjpeg,
// dcmcjpls, dcmcrle, dcmconv and their decompressors) for every syntax it writes, the
// uncompressed twins in ../shared/data/dicom, and DCMTK's dcmdump for header values. JPEG 2000,
// HTJ2K and JPEG XL, which DCMTK cannot write, are encoded in process with dcmjs-codecs'
// encoders (and checked against the real JPEG 2000 files in ../shared when it is there).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DecodeError, MalformedDicomError, UnsupportedImageError, UnsupportedTransferSyntaxError, decodePixels, parseDicom,
  type DecodedImage,
} from '../../server/src/pipeline/decode/index.js';
import {
  TS, concatBytes, dcmtk, encapsulatedFile, encodeFrame, headerByDcmdump, nativeFile, nonImageFile, pixelDiff, seededBytes,
  type ImageSpec,
} from './dicom-builders.js';
import { ROOT, pythonPath, runPython, tempDir } from './helpers.js';

const FIXTURE = join(ROOT, 'tests', 'fixtures', 'dicom', 'CR-MONO1-10-chest_dcmbench_explicitLE.dcm');
// sha256 of pydicom's pixel_array as little-endian uint16, computed once with
//   /usr/bin/python3 -c "import hashlib,pydicom; a=pydicom.dcmread(FIXTURE).pixel_array;
//                        print(hashlib.sha256(a.astype('<u2').tobytes()).hexdigest())"
// (pydicom 2.3.1; it gives uint16, 440x440, min 0, max 979, sum 97159572).
const FIXTURE_PYDICOM_SHA256 = '400ebd95cd99725097d903597ca26d5d9cf81e339b4dcbc61a164483f0bee213';
const FIXTURE_SPEC: ImageSpec = { width: 440, height: 440, bitsAllocated: 16, bitsStored: 10, pixelRepresentation: 0, photometric: 'MONOCHROME1' };

const SHARED = resolve(ROOT, '..', 'shared', 'data', 'dicom');
const HAVE_SHARED = existsSync(SHARED);
const NO_SHARED = `${SHARED} is missing: the shared-data decoder tests were NOT run`;
if (!HAVE_SHARED) console.log(`decode.test: ${NO_SHARED}`);

const decodeFile = async (path: string): Promise<DecodedImage> => decodePixels(readFileSync(path));

function sha256(pixels: DecodedImage['pixels']): string {
  return createHash('sha256').update(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength)).digest('hex');
}

function assertIdentical(actual: DecodedImage, expected: DecodedImage, label: string): void {
  assert.equal(actual.width, expected.width, `${label}: width`);
  assert.equal(actual.height, expected.height, `${label}: height`);
  const d = pixelDiff(actual.pixels, expected.pixels);
  assert.equal(d.max, 0, `${label}: first differing pixel ${d.firstMismatch}, max |diff| ${d.max}`);
}

/** Lossy bound relative to the stored range: max error under 15 %, mean under 0.5 %. */
function assertSmallError(actual: DecodedImage, expected: DecodedImage, label: string): { max: number; mean: number } {
  const range = 2 ** expected.bitsStored;
  const d = pixelDiff(actual.pixels, expected.pixels);
  assert.ok(d.max <= 0.15 * range && d.mean <= 0.005 * range, `${label}: max ${d.max}, mean ${d.mean.toFixed(3)} of ${range}`);
  return d;
}

async function assertRejects(bytes: Uint8Array, type: new (...a: never[]) => Error, label: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(decodePixels(bytes), (err: unknown) => {
    assert.ok(err instanceof type, `${label}: expected ${type.name}, got ${(err as Error)?.name}: ${(err as Error)?.message}`);
    if (pattern) assert.match((err as Error).message, pattern, label);
    return true;
  });
}

describe('decoder: the committed fixture', () => {
  it('decodes the 10-bit MONOCHROME1 chest CR exactly as pydicom does', async () => {
    const img = await decodeFile(FIXTURE);
    assert.deepEqual(
      [img.width, img.height, img.bitsAllocated, img.bitsStored, img.highBit, img.pixelRepresentation, img.photometric],
      [440, 440, 16, 10, 9, 0, 'MONOCHROME1'],
    );
    assert.ok(img.pixels instanceof Uint16Array);
    assert.equal(sha256(img.pixels), FIXTURE_PYDICOM_SHA256);
    assert.equal(img.transferSyntaxUid, TS.explicitLE);
    assert.deepEqual([img.rescaleSlope, img.rescaleIntercept, img.windowCenter, img.windowWidth], [1, 0, 550, 1024]);
    assert.deepEqual([img.lossy, img.hasMetaHeader, img.numberOfFrames, img.hasModalityLut], [false, true, 1, false]);
  });
});

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

/** Fixture values mapped into a signed 12-bit range: -1500..1437. */
function signedWords(base: Uint16Array): Int16Array {
  return Int16Array.from(base, (v) => v * 3 - 1500);
}

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

describe('decoder: bad input gives typed errors, never a crash', () => {
  let fixture: Uint8Array;
  let j2k: Uint8Array;
  before(async () => {
    fixture = readFileSync(FIXTURE);
    const base = (await decodePixels(fixture)).pixels as Uint16Array;
    j2k = encapsulatedFile(TS.j2kLossless, FIXTURE_SPEC, [await encodeFrame('encodeJpeg2000', FIXTURE_SPEC, base, { lossy: false })]);
  });

  it('empty input and random bytes are MalformedDicomError', async () => {
    await assertRejects(new Uint8Array(0), MalformedDicomError, 'empty', /not a DICOM file/);
    for (const [n, seed] of [[1, 1], [131, 2], [4096, 3], [100_000, 4]] as const) {
      await assertRejects(seededBytes(n, seed), MalformedDicomError, `random ${n}`);
    }
    // Random bytes behind a valid preamble and "DICM" marker.
    const fake = seededBytes(5000, 5);
    fake.set([0x44, 0x49, 0x43, 0x4d], 128);
    await assertRejects(fake, MalformedDicomError, 'random after DICM');
  });

  it('truncated copies are MalformedDicomError', async () => {
    for (const file of [fixture, j2k]) {
      for (const cut of [10, 132, 200, 400, 2000, Math.floor(file.length / 2), file.length - 1]) {
        await assertRejects(file.subarray(0, cut), MalformedDicomError, `cut at ${cut} of ${file.length}`);
      }
    }
  });

  it('a DICOM object without pixel data is MalformedDicomError', async () => {
    await assertRejects(nonImageFile(), MalformedDicomError, 'key object', /no Pixel Data/);
  });

  it('an unsupported transfer syntax is named in UnsupportedTransferSyntaxError', async () => {
    const mpeg = encapsulatedFile(TS.mpeg2, FIXTURE_SPEC, [seededBytes(1000, 6)]);
    await assert.rejects(decodePixels(mpeg), (err: unknown) => {
      assert.ok(err instanceof UnsupportedTransferSyntaxError && err instanceof DecodeError);
      assert.equal(err.transferSyntaxUid, TS.mpeg2);
      assert.match(err.message, /MPEG2 Main Profile/);
      return true;
    });
  });

  it('colour and 32-bit images are UnsupportedImageError', async () => {
    const rgb = nativeFile({ ...FIXTURE_SPEC, bitsAllocated: 8, bitsStored: 8, samplesPerPixel: 3, photometric: 'RGB' }, new Uint8Array(440 * 440 * 3));
    await assertRejects(rgb, UnsupportedImageError, 'rgb', /samples per pixel/);
    const palette = nativeFile({ ...FIXTURE_SPEC, photometric: 'PALETTE COLOR' }, new Uint16Array(440 * 440));
    await assertRejects(palette, UnsupportedImageError, 'palette', /PALETTE COLOR/);
    const wide = nativeFile({ ...FIXTURE_SPEC, bitsAllocated: 32, bitsStored: 32 }, new Uint32Array(440 * 440));
    await assertRejects(wide, UnsupportedImageError, '32-bit', /32 bits allocated/);
  });

  it('a deflated data set inflating past the limit is MalformedDicomError, not an out-of-memory', async () => {
    const tmp = tempDir('sharpxr-decode-deflate-');
    try {
      dcmtk('dcmconv', ['+td', FIXTURE, join(tmp.dir, 'deflated.dcm')]);
      const deflated = readFileSync(join(tmp.dir, 'deflated.dcm'));
      assert.equal((await decodePixels(deflated)).width, 440);
      await assert.rejects(decodePixels(deflated, { maxInflatedBytes: 100_000 }), (err: unknown) => {
        assert.ok(err instanceof MalformedDicomError && /cannot be inflated/.test(err.message), String(err));
        return true;
      });
    } finally {
      tmp.cleanup();
    }
  });

  it('corrupt codestreams give MalformedDicomError or pixels, and the codecs recover', async (t) => {
    const tmp = tempDir('sharpxr-decode-corrupt-');
    try {
      dcmtk('dcmcjpls', ['+el', FIXTURE, join(tmp.dir, 'jls.dcm')]);
      dcmtk('dcmcjpeg', ['+e1', FIXTURE, join(tmp.dir, 'jpeg.dcm')]);
      dcmtk('dcmcrle', [FIXTURE, join(tmp.dir, 'rle.dcm')]);
      const files = { j2k, jls: readFileSync(join(tmp.dir, 'jls.dcm')), jpeg: readFileSync(join(tmp.dir, 'jpeg.dcm')), rle: readFileSync(join(tmp.dir, 'rle.dcm')) };
      let failures = 0;
      for (const [name, file] of Object.entries(files)) {
        for (let trial = 0; trial < 6; trial++) {
          const bad = Uint8Array.from(file);
          const noise = seededBytes(64, 100 + trial);
          const start = file.length - 20_000; // inside the pixel data of every one of these
          for (let k = 0; k < 32; k++) {
            const i = start + noise[2 * k]! * 70 + noise[2 * k + 1]!;
            bad[i] = bad[i]! ^ 0xff;
          }
          try {
            await decodePixels(bad);
          } catch (err) {
            assert.ok(err instanceof MalformedDicomError, `${name} trial ${trial}: ${(err as Error).name}: ${(err as Error).message}`);
            failures++;
          }
        }
        assert.equal(pixelDiff((await decodePixels(file)).pixels, (await decodePixels(fixture)).pixels).max, 0, `${name} after corruption`);
      }
      t.diagnostic(`corrupt codestreams: ${failures} of 24 rejected, the rest decoded to (wrong) pixels`);
    } finally {
      tmp.cleanup();
    }
  });

  it('parseDicom exposes the data set for callers that parse once', () => {
    const parsed = parseDicom(fixture);
    assert.equal(parsed.transferSyntax.uid, TS.explicitLE);
    assert.deepEqual(parsed.dataset['00080060']?.Value, ['CR']);
  });
});

describe('decoder: ../shared/data/dicom', () => {
  const dir = (sub: string): string => join(SHARED, sub);
  const files = (sub: string): string[] => readdirSync(dir(sub)).filter((n) => n.endsWith('.dcm')).sort();

  it('every file decodes with the header values DCMTK reads', async (t) => {
    if (!HAVE_SHARED) return t.skip(NO_SHARED);
    for (const sub of ['chest', 'codecs-wg04', 'transcoded']) {
      for (const name of files(sub)) {
        const path = join(dir(sub), name);
        const img = await decodeFile(path);
        const h = headerByDcmdump(path);
        assert.deepEqual([img.width, img.height, img.bitsStored, img.photometric], [h.columns, h.rows, h.bitsStored, h.photometric], name);
        assert.equal(img.pixels.length, img.width * img.height, name);
      }
    }
  });

  it('transcoded/: every syntax is pixel-identical to its EVRLE twin; MONO2 = 4095 - MONO1', async (t) => {
    if (!HAVE_SHARED) return t.skip(NO_SHARED);
    const groups = new Map<string, string[]>();
    for (const name of files('transcoded')) {
      const key = name.replace(/_[A-Z0-9]+\.dcm$/, '');
      groups.set(key, [...(groups.get(key) ?? []), name]);
    }
    let compared = 0;
    for (const [key, names] of groups) {
      const reference = await decodeFile(join(dir('transcoded'), `${key}_EVRLE.dcm`));
      for (const name of names.filter((n) => !n.endsWith('_EVRLE.dcm'))) {
        assertIdentical(await decodeFile(join(dir('transcoded'), name)), reference, name);
        compared++;
      }
    }
    assert.ok(compared >= 10, `only ${compared} transcoded files compared`);
    const mono1 = await decodeFile(join(dir('transcoded'), 'DX_CHEST_966_12bit_MONO1_EVRLE.dcm'));
    const mono2 = await decodeFile(join(dir('transcoded'), 'DX_CHEST_966_12bit_MONO2_EVRLE.dcm'));
    assert.equal(mono2.photometric, 'MONOCHROME2');
    assert.equal(pixelDiff(mono2.pixels, Uint16Array.from(mono1.pixels, (v) => 4095 - v)).max, 0);
  });

  it('codecs-wg04/: lossless files equal UNC, lossy ones are close', async (t) => {
    if (!HAVE_SHARED) return t.skip(NO_SHARED);
    // The references themselves, read independently by pydicom.
    const images = ['RG2', 'RG3'];
    const uncSha = pydicomSha256(images.map((image) => join(dir('codecs-wg04'), `${image}_UNC.dcm`)));
    for (const [n, image] of images.entries()) {
      const unc = await decodeFile(join(dir('codecs-wg04'), `${image}_UNC.dcm`));
      assert.equal(sha256(unc.pixels), uncSha[n], `${image}_UNC vs pydicom`);
      for (const kind of ['J2KR', 'JLSL', 'JPLL', 'RLE']) {
        const img = await decodeFile(join(dir('codecs-wg04'), `${image}_${kind}.dcm`));
        assert.equal(img.lossy, false, `${image}_${kind}`);
        assertIdentical(img, unc, `${image}_${kind}`);
      }
      for (const kind of ['J2KI', 'JLSN', 'JPLY']) {
        const path = join(dir('codecs-wg04'), `${image}_${kind}.dcm`);
        const img = await decodeFile(path);
        assert.equal(img.lossy, true, `${image}_${kind}`);
        const d = assertSmallError(img, unc, `${image}_${kind}`);
        t.diagnostic(`${image}_${kind} vs UNC: max |error| ${d.max}, mean ${d.mean.toFixed(3)} (of ${2 ** unc.bitsStored})`);
        if (kind === 'JLSN') assert.ok(d.max <= jpegLsNear(path), `${image}_JLSN exceeds its NEAR`);
      }
    }
  });

  it('chest/: ACR-NEMA, JPEG-LS near-lossless and JPEG 2000 files equal their twins; J2K timing', async (t) => {
    if (!HAVE_SHARED) return t.skip(NO_SHARED);
    const chest = (n: string): string => join(dir('chest'), n);
    const acr = await decodeFile(chest('CR-MONO1-10-chest_fodicom_implicitLE.dcm'));
    assert.equal(acr.hasMetaHeader, false);
    assertIdentical(acr, await decodeFile(FIXTURE), 'ACR-NEMA implicit LE');
    // transcoded/ holds lossless re-encodings of these very pixels.
    const rg1 = await decodeFile(join(dir('transcoded'), 'CR_CHEST_RG1_15bit_MONO1_EVRLE.dcm'));
    assertIdentical(await decodeFile(chest('RG1_JLSN.dcm')), rg1, 'RG1_JLSN');
    assertSmallError(await decodeFile(chest('RG1_J2KI.dcm')), rg1, 'RG1_J2KI');
    const lut = await decodeFile(join(dir('codecs-wg04'), 'CR-ModalitySequenceLUT_fodicom_JPLL.dcm'));
    assert.equal(lut.hasModalityLut, true, 'Modality LUT Sequence reported');
    const bytes = readFileSync(chest('DX_chest_966_fixed_J2KR.dcm'));
    const t0 = performance.now();
    const dx = await decodePixels(bytes);
    const ms = performance.now() - t0;
    t.diagnostic(`DX_chest_966_fixed_J2KR (2000x2128, 12-bit J2K lossless): decoded in ${ms.toFixed(0)} ms`);
    assertIdentical(dx, await decodeFile(join(dir('transcoded'), 'DX_CHEST_966_12bit_MONO1_EVRLE.dcm')), 'DX J2KR');
    // Target is well under 2 s; the bound is looser because a training run may share the CPU.
    assert.ok(ms < 4000, `J2K decode took ${ms.toFixed(0)} ms`);
  });
});

/** NEAR of a JPEG-LS frame: the byte after the component list in its SOS segment. */
function jpegLsNear(path: string): number {
  const values = parseDicom(readFileSync(path)).dataset['7FE00010']?.Value ?? [];
  const stream = concatBytes(values.map((v) => new Uint8Array(v as ArrayBuffer)));
  for (let i = 0; i + 1 < stream.length; i++) {
    if (stream[i] === 0xff && stream[i + 1] === 0xda) return stream[i + 4 + 1 + 2 * stream[i + 4]!]!;
  }
  throw new Error(`no SOS marker in ${path}`);
}

/** sha256 of pydicom's pixel_array as little-endian uint16, per file (one Python run). */
function pydicomSha256(paths: readonly string[]): string[] {
  const script =
    'import hashlib,sys,pydicom\n' +
    'for p in sys.argv[1:]: print(hashlib.sha256(pydicom.dcmread(p).pixel_array.astype("<u2").tobytes()).hexdigest())';
  return runPython(pythonPath('pydicom'), ['-c', script, ...paths]).trim().split('\n');
}
