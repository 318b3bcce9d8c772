// The decoder on bad input: empty, random, truncated and corrupted bytes, objects without
// pixel data, unsupported syntaxes and images, and inflation bombs must give typed errors,
// never a crash, and the codecs must keep working afterwards.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  DecodeError, MalformedDicomError, UnsupportedImageError, UnsupportedTransferSyntaxError, decodePixels, parseDicom,
} from '../../server/src/pipeline/decode/index.js';
import { TS, dcmtk, encapsulatedFile, encodeFrame, nativeFile, nonImageFile, pixelDiff, seededBytes } from './dicom-builders.js';
import { FIXTURE, FIXTURE_SPEC } from './decode-helpers.js';
import { tempDir } from './helpers.js';

async function assertRejects(bytes: Uint8Array, type: new (...a: never[]) => Error, label: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(decodePixels(bytes), (err: unknown) => {
    assert.ok(err instanceof type, `${label}: expected ${type.name}, got ${(err as Error)?.name}: ${(err as Error)?.message}`);
    if (pattern) assert.match((err as Error).message, pattern, label);
    return true;
  });
}

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
