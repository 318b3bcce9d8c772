// Shared pieces of the decoder tests (decode*.test.ts): the committed fixture, its image
// spec, a pixel-identity check and signed test values. The references the tests compare
// against are never our own decoder: see decode.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePixels, type DecodedImage } from '../../server/src/pipeline/decode/index.js';
import { pixelDiff, type ImageSpec } from './dicom-builders.js';
import { ROOT } from './helpers.js';

export const FIXTURE = join(ROOT, 'tests', 'fixtures', 'dicom', 'CR-MONO1-10-chest_dcmbench_explicitLE.dcm');
export const FIXTURE_SPEC: ImageSpec = { width: 440, height: 440, bitsAllocated: 16, bitsStored: 10, pixelRepresentation: 0, photometric: 'MONOCHROME1' };

export const decodeFile = async (path: string): Promise<DecodedImage> => decodePixels(readFileSync(path));

export function assertIdentical(actual: DecodedImage, expected: DecodedImage, label: string): void {
  assert.equal(actual.width, expected.width, `${label}: width`);
  assert.equal(actual.height, expected.height, `${label}: height`);
  const d = pixelDiff(actual.pixels, expected.pixels);
  assert.equal(d.max, 0, `${label}: first differing pixel ${d.firstMismatch}, max |diff| ${d.max}`);
}

/** Fixture values mapped into a signed 12-bit range: -1500..1437. */
export function signedWords(base: Uint16Array): Int16Array {
  return Int16Array.from(base, (v) => v * 3 - 1500);
}
