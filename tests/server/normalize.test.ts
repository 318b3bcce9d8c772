// Normalize (issue 3, item 7): stored values <-> the model's [0, 1] MONOCHROME2 domain.
// The inverse must be exact: with an identity model every stored value comes back unchanged,
// for every bit depth, sign and photometric a radiograph arrives in.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodePixels, type Photometric, type StoredPixels } from '../../server/src/pipeline/decode/index.js';
import {
  chooseWindow, fromModel, mappingFor, NormalizeError, storedRange, toModel, toModelWith, type StoredFormat,
} from '../../server/src/pipeline/normalize/index.js';
import { ROOT, seededRandom } from './helpers.js';

const FIXTURE = join(ROOT, 'tests', 'fixtures', 'dicom', 'CR-MONO1-10-chest_dcmbench_explicitLE.dcm');

type Kind = 'u8' | 'i8' | 'u16' | 'i16';
const make = (kind: Kind, n: number): StoredPixels =>
  kind === 'u8' ? new Uint8Array(n) : kind === 'i8' ? new Int8Array(n) : kind === 'u16' ? new Uint16Array(n) : new Int16Array(n);

/** Every stored value of the format at least once, in a seeded shuffled order. */
function everyValue(kind: Kind, format: StoredFormat): StoredPixels {
  const { min, max } = storedRange(format);
  const count = max - min + 1;
  const out = make(kind, count + 37);
  for (let i = 0; i < count; i++) out[i] = min + i;
  const rand = seededRandom(count);
  for (let i = count; i < out.length; i++) out[i] = min + Math.floor(rand() * count);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function assertRoundTrip(pixels: StoredPixels, format: StoredFormat, label: string, tail?: number): void {
  const { data, mapping } = toModel(pixels, format, tail === undefined ? {} : { tail });
  const back = fromModel(data, mapping, pixels);
  assert.equal(back.constructor, pixels.constructor, `${label}: array kind`);
  for (let i = 0; i < pixels.length; i++) {
    if (back[i] !== pixels[i]) assert.fail(`${label}: pixel ${i} = ${pixels[i]} came back as ${back[i]} (window ${mapping.low}..${mapping.high})`);
  }
}

const FORMATS: [Kind, number, 0 | 1][] = [
  ['u8', 8, 0], ['u16', 10, 0], ['u16', 12, 0], ['u16', 15, 0], ['u16', 16, 0],
  ['i16', 12, 1], ['i16', 16, 1], ['i8', 8, 1],
];
const PHOTOMETRICS: Photometric[] = ['MONOCHROME1', 'MONOCHROME2'];

describe('normalize: exact round trip', () => {
  for (const [kind, bitsStored, pixelRepresentation] of FORMATS) {
    for (const photometric of PHOTOMETRICS) {
      const format = { bitsStored, pixelRepresentation, photometric };
      const label = `${bitsStored}-bit ${pixelRepresentation ? 'signed' : 'unsigned'} ${photometric}`;
      it(`gives back every stored value: ${label}`, () => {
        const pixels = everyValue(kind, format);
        assertRoundTrip(pixels, format, label); // default percentile window: tails map outside [0, 1]
        assertRoundTrip(pixels, format, `${label}, min/max window`, 0);
      });
    }
  }

  it('handles an image using a tiny part of its stored range (10-bit values in 16 bits, 32 levels)', () => {
    for (const photometric of PHOTOMETRICS) {
      const format: StoredFormat = { bitsStored: 16, pixelRepresentation: 0, photometric };
      const rand = seededRandom(5);
      const pixels = Uint16Array.from({ length: 4096 }, (_, i) => (i < 32 ? 500 + i : 500 + Math.floor(rand() * 32)));
      const { data, mapping } = toModel(pixels, format, { tail: 0 });
      assert.deepEqual([mapping.low, mapping.high, mapping.scale], [500, 531, 31]);
      // Scaled by the image's own range, so the model sees all of [0, 1], not 1/2000 of it.
      assert.deepEqual([Math.min(...data), Math.max(...data)], [0, 1]);
      assertRoundTrip(pixels, format, `tiny range ${photometric}`);
      const tenBit = Uint16Array.from({ length: 2048 }, (_, i) => i % 1024);
      assertRoundTrip(tenBit, format, `10-bit data in 16 bits ${photometric}`);
    }
  });

  it('maps a constant image without dividing by zero, and back exactly', () => {
    for (const [kind, bitsStored, pixelRepresentation] of FORMATS) {
      for (const photometric of PHOTOMETRICS) {
        const format = { bitsStored, pixelRepresentation, photometric };
        const { min, max } = storedRange(format);
        for (const value of [min, Math.round((min + max) / 2), max]) {
          const pixels = make(kind, 64).fill(value);
          const { data, mapping } = toModel(pixels, format);
          assert.equal(mapping.scale, 1);
          assert.ok(data.every((v) => v === 0), 'a constant image is one finite level');
          assertRoundTrip(pixels, format, `constant ${value}, ${bitsStored}-bit ${photometric}`);
        }
      }
    }
  });
});

describe('normalize: mapping', () => {
  it('inverts MONOCHROME1 so that the model always sees bright = attenuating', () => {
    const pixels = Uint16Array.from([0, 100, 1023]);
    const mono1 = toModel(pixels, { bitsStored: 10, pixelRepresentation: 0, photometric: 'MONOCHROME1' }, { tail: 0 });
    const mono2 = toModel(pixels, { bitsStored: 10, pixelRepresentation: 0, photometric: 'MONOCHROME2' }, { tail: 0 });
    assert.deepEqual([...mono1.data], [1, 1 - 100 / 1023, 0].map(Math.fround));
    assert.deepEqual([...mono2.data], [0, 100 / 1023, 1].map(Math.fround));
  });

  it('windows on the image values, dropping rare outliers (0.1 % per side by default)', () => {
    // A marker at the stored maximum and a dead pixel at 0 in an image that spans 1000..3000.
    const pixels = new Uint16Array(10000);
    for (let i = 0; i < pixels.length; i++) pixels[i] = 1000 + (i % 2001);
    pixels[0] = 0;
    pixels[1] = 4095;
    const format: StoredFormat = { bitsStored: 12, pixelRepresentation: 0, photometric: 'MONOCHROME2' };
    const w = chooseWindow(pixels, format);
    assert.ok(w.low >= 1000 && w.low < 1010 && w.high <= 3000 && w.high > 2990, `window ${w.low}..${w.high}`);
    assert.deepEqual([w.min, w.max], [0, 4095]);
    const minmax = chooseWindow(pixels, format, { tail: 0 });
    assert.deepEqual([minmax.low, minmax.high], [0, 4095]);
  });

  it('falls back to min/max when nearly every pixel has one value', () => {
    const pixels = new Uint16Array(100000).fill(700);
    pixels[5] = 650;
    pixels[6] = 800;
    const w = chooseWindow(pixels, { bitsStored: 12, pixelRepresentation: 0, photometric: 'MONOCHROME2' });
    assert.deepEqual([w.low, w.high], [650, 800]);
  });

  it('rounds, clamps to the stored range, re-inverts MONOCHROME1 and keeps the array kind on the way back', () => {
    const signed: StoredFormat = { bitsStored: 12, pixelRepresentation: 1, photometric: 'MONOCHROME2' };
    const m = mappingFor(-100, 100, signed);
    const back = fromModel(Float32Array.from([-50, 0, 0.5, 1, 50, 0.5026, 0.4974]), m, new Int16Array(1));
    assert.ok(back instanceof Int16Array);
    assert.deepEqual([...back], [-2048, -100, 0, 100, 2047, 1, -1]);
    const mono1 = mappingFor(100, 900, { bitsStored: 10, pixelRepresentation: 0, photometric: 'MONOCHROME1' });
    const out = fromModel(Float32Array.from([0, 1, 2, -2]), mono1, new Uint16Array(1));
    assert.ok(out instanceof Uint16Array);
    assert.deepEqual([...out], [900, 100, 0, 1023]);
  });

  it('rejects pixels outside the stored range, a container too small, and a NaN from the model', () => {
    const f10: StoredFormat = { bitsStored: 10, pixelRepresentation: 0, photometric: 'MONOCHROME2' };
    assert.throws(() => toModel(Uint16Array.from([0, 1024]), f10), NormalizeError);
    assert.throws(() => toModel(Uint8Array.from([0, 1]), { ...f10, bitsStored: 12 }), NormalizeError);
    const m = mappingFor(0, 1023, f10);
    assert.throws(() => fromModel(Float32Array.from([NaN]), m, new Uint16Array(1)), NormalizeError);
    assert.throws(() => toModelWith(new Int8Array(1), m), NormalizeError);
  });

  it('round-trips the committed 10-bit MONOCHROME1 chest CR exactly, and its MONOCHROME2 twin maps to the same model image', async () => {
    const img = await decodePixels(readFileSync(FIXTURE));
    assertRoundTrip(img.pixels, img, 'fixture CR');
    const mono2 = Uint16Array.from(img.pixels, (v) => 1023 - v);
    const a = toModel(img.pixels, img);
    const b = toModel(mono2, { ...img, photometric: 'MONOCHROME2' });
    assert.deepEqual([b.mapping.low, b.mapping.high], [1023 - a.mapping.high, 1023 - a.mapping.low]);
    // Equal as numbers (one may be -0 where the other is +0).
    assert.ok(a.data.every((v, i) => v === b.data[i]), 'MONOCHROME1 and its MONOCHROME2 twin differ in the model domain');
  });
});
