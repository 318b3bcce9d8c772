// The DICOM pixel decoder (issue 3, item 6): every transfer syntax, bit depth, sign and
// photometric a radiograph arrives in must give the stored values an independent decoder gives.
//
// References, never our own decoder: pydicom for the committed fixture, DCMTK (dcmcjpeg,
// dcmcjpls, dcmcrle, dcmconv and their decompressors) for every syntax it writes, the
// uncompressed twins in ../shared/data/dicom, and DCMTK's dcmdump for header values. JPEG 2000,
// HTJ2K and JPEG XL, which DCMTK cannot write, are encoded in process with dcmjs-codecs'
// encoders (and checked against the real JPEG 2000 files in ../shared when it is there).
//
// This file: the committed fixture and ../shared/data/dicom. The other decoder tests are
// decode-dcmtk.test.ts (DCMTK transcodes; signed, masked and shifted values),
// decode-encoders.test.ts (in-process encoders) and decode-errors.test.ts (bad input).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { decodePixels, parseDicom, type DecodedImage } from '../../server/src/pipeline/decode/index.js';
import { TS, concatBytes, headerByDcmdump, pixelDiff } from './dicom-builders.js';
import { FIXTURE, assertIdentical, decodeFile } from './decode-helpers.js';
import { ROOT, pythonPath, runPython } from './helpers.js';

// sha256 of pydicom's pixel_array as little-endian uint16, computed once with
//   /usr/bin/python3 -c "import hashlib,pydicom; a=pydicom.dcmread(FIXTURE).pixel_array;
//                        print(hashlib.sha256(a.astype('<u2').tobytes()).hexdigest())"
// (pydicom 2.3.1; it gives uint16, 440x440, min 0, max 979, sum 97159572).
const FIXTURE_PYDICOM_SHA256 = '400ebd95cd99725097d903597ca26d5d9cf81e339b4dcbc61a164483f0bee213';

const SHARED = resolve(ROOT, '..', 'shared', 'data', 'dicom');
const HAVE_SHARED = existsSync(SHARED);
const NO_SHARED = `${SHARED} is missing: the shared-data decoder tests were NOT run`;
if (!HAVE_SHARED) console.log(`decode.test: ${NO_SHARED}`);

function sha256(pixels: DecodedImage['pixels']): string {
  return createHash('sha256').update(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength)).digest('hex');
}

/** Lossy bound relative to the stored range: max error under 15 %, mean under 0.5 %. */
function assertSmallError(actual: DecodedImage, expected: DecodedImage, label: string): { max: number; mean: number } {
  const range = 2 ** expected.bitsStored;
  const d = pixelDiff(actual.pixels, expected.pixels);
  assert.ok(d.max <= 0.15 * range && d.mean <= 0.005 * range, `${label}: max ${d.max}, mean ${d.mean.toFixed(3)} of ${range}`);
  return d;
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
