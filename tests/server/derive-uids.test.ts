// Deterministic derived UIDs (issue 3, item 5) and the small rules of the derive stage:
// UID syntax and length, stability across runs (pinned values), distinctness across inputs,
// canonical parameters, the two tag lists, legacy value repairs, description and number rules.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import {
  COPIED_TAGS, SET_TAGS, SHARPXR_IMPLEMENTATION_CLASS_UID, SHARPXR_UID_NAMESPACE, UID_PATTERN, canonicalJson,
  derivedSeriesInstanceUid, derivedSopInstanceUid, isValidUid, repairDate, repairTime, seriesDescription, seriesNumber,
  uuidToUid, uuidV5, type DerivationKey,
} from '../../server/src/derive/index.js';

const CR = '1.2.840.10008.5.1.4.1.1.1';
const KEY: DerivationKey = { modelName: 'sharpxr-unet', modelVersion: '1.2.0', params: { strength: 0.7 }, sopClassUid: CR };
const SOURCE_SOP = '1.2.392.200036.9125.0.19950720112207';
const SOURCE_SERIES = '1.2.392.200036.9125.0.199302241758.16';

describe('derived UIDs', () => {
  it('implement RFC 9562 version 5 (its published example) and the 2.25 form', () => {
    const dns = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
    assert.equal(uuidV5('www.example.com', dns), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
    assert.equal(uuidToUid('00000000-0000-5000-8000-000000000001'), `2.25.${(2n ** 76n * 5n + 2n ** 63n + 1n).toString()}`);
    assert.equal(uuidToUid(uuidV5('sharpxr/implementation-class')), SHARPXR_IMPLEMENTATION_CLASS_UID);
    assert.match(SHARPXR_UID_NAMESPACE, /^[0-9a-f-]{36}$/);
  });

  it('are stable: pinned values, so a change of scheme cannot slip through unnoticed', () => {
    assert.equal(derivedSopInstanceUid(SOURCE_SOP, KEY), derivedSopInstanceUid(SOURCE_SOP, { ...KEY }));
    assert.equal(derivedSopInstanceUid(SOURCE_SOP, KEY), '2.25.283458077261559656299470647097215196669');
    assert.equal(derivedSeriesInstanceUid(SOURCE_SERIES, KEY), '2.25.227952800461709960258588396346542106109');
  });

  it('are valid UIDs of at most 64 characters, without leading zeros', () => {
    for (let i = 0; i < 500; i++) {
      const uid = derivedSopInstanceUid(`1.2.3.${i}`, { ...KEY, params: { i } });
      assert.ok(uid.length <= 64 && uid.startsWith('2.25.') && UID_PATTERN.test(uid) && isValidUid(uid), uid);
    }
    for (const bad of ['1.2.03', '1..2', '.1.2', '1.2.', '1.a', '01.2', `1.${'2'.repeat(63)}`, '']) assert.equal(isValidUid(bad), false, bad);
    for (const good of ['0.1', '1.2.840.10008.1.2.1', '2.25.0']) assert.equal(isValidUid(good), true, good);
  });

  it('differ across sources, model versions, parameters, SOP classes, and between series and instance', () => {
    const seen = new Set<string>();
    const add = (uid: string): void => {
      assert.ok(!seen.has(uid), `duplicate ${uid}`);
      seen.add(uid);
    };
    for (let s = 0; s < 50; s++) {
      for (const modelVersion of ['1.0.0', '1.0.1', '2.0.0']) {
        for (const params of [{}, { strength: 0.5 }, { strength: 0.7 }, { strength: 0.7, guard: { k: 3 } }]) {
          for (const sopClassUid of [CR, '1.2.840.10008.5.1.4.1.1.7']) {
            const key = { modelName: 'sharpxr-unet', modelVersion, params, sopClassUid };
            add(derivedSopInstanceUid(`1.2.826.0.1.${s}`, key));
            add(derivedSeriesInstanceUid(`1.2.826.0.1.${s}`, key));
          }
        }
      }
    }
    assert.equal(seen.size, 50 * 3 * 4 * 2 * 2);
    assert.notEqual(derivedSopInstanceUid(SOURCE_SOP, KEY), derivedSopInstanceUid(SOURCE_SOP, { ...KEY, modelName: 'other' }));
  });

  it('do not depend on the order parameters were written in', () => {
    const a = { ...KEY, params: { strength: 0.7, guard: { k: 3, fraction: 0.01 }, list: [1, 2] } };
    const b = { ...KEY, params: { list: [1, 2], guard: { fraction: 0.01, k: 3 }, strength: 0.7 } };
    assert.equal(derivedSopInstanceUid(SOURCE_SOP, a), derivedSopInstanceUid(SOURCE_SOP, b));
    assert.notEqual(
      derivedSopInstanceUid(SOURCE_SOP, { ...KEY, params: { list: [1, 2] } }),
      derivedSopInstanceUid(SOURCE_SOP, { ...KEY, params: { list: [2, 1] } }),
    );
  });

  it('refuse incomplete keys and non-JSON parameters', () => {
    assert.throws(() => derivedSopInstanceUid('', KEY));
    assert.throws(() => derivedSopInstanceUid(SOURCE_SOP, { ...KEY, modelVersion: '' }));
    assert.throws(() => canonicalJson({ a: Number.NaN }), /finite/);
    assert.throws(() => canonicalJson({ f: () => 1 }), /function/);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    assert.throws(() => canonicalJson(cycle), /cycle/);
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: -0 }], c: undefined } }), '{"a":{"d":[1,{"y":0,"z":0}]},"b":1}');
  });
});

describe('derive rules', () => {
  it('keeps the copied and the set lists apart, standard, and true to the DICOM dictionary', () => {
    const require = createRequire(import.meta.url);
    const dictionary = (require('dcmjs') as { data: { DicomMetaDictionary: { dictionary: Record<string, { name: string; vr: string }> } } })
      .data.DicomMetaDictionary.dictionary;
    const set = new Set(SET_TAGS.map((t) => t.tag));
    assert.equal(set.size, SET_TAGS.length, 'a set tag is listed twice');
    for (const [tag, t] of COPIED_TAGS) {
      assert.ok(!set.has(tag), `${t.keyword} is both copied and set`);
      assert.equal(parseInt(tag.slice(3, 4), 16) % 2, 0, `${t.keyword} is private`);
    }
    for (const t of [...COPIED_TAGS.values(), ...SET_TAGS]) {
      const entry = dictionary[`(${t.tag.slice(0, 4)},${t.tag.slice(4)})`];
      assert.ok(entry, `${t.keyword} (${t.tag}) is not in the dictionary`);
      assert.equal(entry.name, t.keyword, t.tag);
      assert.ok(entry.vr === t.vr || (t.tag === '7FE00010' && entry.vr === 'ox'), `${t.keyword}: ${t.vr} vs ${entry.vr}`);
    }
    for (const required of ['00100020', '00080050', '00200010', '0020000D', '00280030', '00281050', '00181164', '00185101']) {
      assert.ok(COPIED_TAGS.has(required), `${required} must be copied`);
    }
  });

  it('converts ACR-NEMA dates and times, leaves anything else alone', () => {
    assert.equal(repairDate('1995.07.20'), '19950720');
    assert.equal(repairDate('19950720'), '19950720');
    assert.equal(repairDate('d14a028c2a3a2bc9'), 'd14a028c2a3a2bc9');
    assert.equal(repairTime('11:22:07'), '112207');
    assert.equal(repairTime('11:22'), '1122');
    assert.equal(repairTime('11:22:07.123'), '112207.123');
    assert.equal(repairTime('112207.000000'), '112207.000000');
    assert.equal(repairTime('25:99:99:99'), '25:99:99:99');
  });

  it('builds the series description within 64 characters, the suffix always whole', () => {
    assert.equal(seriesDescription('PA chest', ' DENOISED 1.2.0', false), 'PA chest DENOISED 1.2.0');
    assert.equal(seriesDescription(undefined, ' DENOISED 1.2.0', false), 'DENOISED 1.2.0');
    assert.equal(seriesDescription('pa', ' DENOISED 1.2.0', true), 'pa DENOISED 1.2.0 GUARD');
    const long = seriesDescription('X'.repeat(80), ' DENOISED 1.2.0', true);
    assert.equal(long.length, 64);
    assert.ok(long.endsWith(' DENOISED 1.2.0 GUARD'));
    assert.equal(seriesDescription('a', ` ${'S'.repeat(70)}`, false).length, 64);
  });

  it('offsets the series number and wraps it into the IS range', () => {
    assert.equal(seriesNumber('3', 1000), 1003);
    assert.equal(seriesNumber(undefined, 1000), 1000);
    assert.equal(seriesNumber('junk', 1000), 1000);
    assert.equal(seriesNumber('2147483000', 1000), 352);
    assert.equal(seriesNumber('-5', 1000), 1000);
  });
});
