// The derive stage's handling of its inputs: the forms a source may come in, pixels that do
// not fit the source, character sets (names copied byte for byte), and the options that change
// the labels. Built on the committed fixture, edited in memory; one check on a shared file.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import type { DcmjsDict } from '../../server/src/pipeline/decode/index.js';
import { decodeParsed, decodePixels, parseDicom, type ParsedDicom } from '../../server/src/pipeline/decode/index.js';
import { DeriveError, buildDerived, type BuildDerivedInput } from '../../server/src/derive/index.js';
import { nativeFile, type ImageSpec } from './dicom-builders.js';
import { ROOT, tempDir } from './helpers.js';

const FIXTURE = join(ROOT, 'tests', 'fixtures', 'dicom', 'CR-MONO1-10-chest_dcmbench_explicitLE.dcm');
const SHARED_DX = resolve(ROOT, '..', 'shared', 'data', 'dicom', 'chest', 'DX_JPEG2KLossless_1s_1f_u_16_16.dcm');
const PROVENANCE = { modelName: 'sharpxr-unet', modelVersion: '1.2.0', params: { strength: 0.7 } };
const CLOCK = (): Date => new Date(Date.UTC(2025, 5, 1, 12, 30, 15));

const fixture = (): ParsedDicom => parseDicom(readFileSync(FIXTURE));
const edited = (p: ParsedDicom, changes: DcmjsDict): ParsedDicom => ({ ...p, dataset: { ...p.dataset, ...changes } });

async function build(source: ParsedDicom, options: BuildDerivedInput['options'] = {}) {
  const image = await decodeParsed(source);
  const out = buildDerived({ source, pixels: image.pixels, provenance: PROVENANCE, options: { clock: CLOCK, ...options } });
  return { out, back: parseDicom(out.bytes).dataset };
}

const text = (ds: DcmjsDict, tag: string): unknown[] => ((ds[tag] as { Value?: unknown[] } | undefined)?.Value ?? []);

describe('derive: inputs', () => {
  it('accepts parseDicom output, a dcmjs data set and a naturalized one alike', async () => {
    const parsed = fixture();
    const image = await decodeParsed(parsed);
    const require = createRequire(import.meta.url);
    const { DicomMetaDictionary } = (require('dcmjs') as { data: { DicomMetaDictionary: { naturalizeDataset(d: DcmjsDict): Record<string, unknown> } } }).data;
    // Group lengths have no keyword; dcmjs would only complain about them.
    const withoutGroupLengths = Object.fromEntries(Object.entries(parsed.dataset).filter(([tag]) => !tag.endsWith('0000')));
    const forms = [parsed, parsed.dataset, DicomMetaDictionary.naturalizeDataset(withoutGroupLengths)];
    const outs = forms.map((source) => buildDerived({ source, pixels: image.pixels, provenance: PROVENANCE, options: { clock: CLOCK } }));
    for (const o of outs) {
      assert.equal(o.sopInstanceUid, outs[0]!.sopInstanceUid);
      assert.equal(o.seriesInstanceUid, outs[0]!.seriesInstanceUid);
      const back = parseDicom(o.bytes).dataset;
      assert.deepEqual(text(back, '00080022'), ['19930224']);
      assert.deepEqual(text(back, '00280101'), [10]);
    }
  });

  it('keeps a backslash inside single-valued text (ST, LT) as text', async () => {
    const source = edited(fixture(), {
      '00080081': { vr: 'ST', Value: ['1 Main St', 'Springfield'] }, // dcmjs splits ST at backslashes
      '00104000': { vr: 'LT', Value: ['a\\b'] },
    });
    const { out } = await build(source);
    const bytes = Buffer.from(out.bytes);
    assert.ok(bytes.includes(Buffer.from('1 Main St\\Springfield', 'latin1')));
    assert.ok(bytes.includes(Buffer.from('a\\b', 'latin1')));
  });

  it('refuses pixels that do not fit the source, and sources without identity', async () => {
    const parsed = fixture();
    const image = await decodeParsed(parsed);
    const run = (pixels: BuildDerivedInput['pixels'], source: ParsedDicom = parsed) => () =>
      buildDerived({ source, pixels, provenance: PROVENANCE });
    assert.throws(run(new Int16Array(image.pixels.length)), DeriveError);
    assert.throws(run(new Uint8Array(image.pixels.length)), DeriveError);
    assert.throws(run(new Uint16Array(image.pixels.length - 1)), /440x440/);
    const high = new Uint16Array(image.pixels.length);
    high[5] = 1024; // 10 bits stored
    assert.throws(run(high), /outside the stored range \[0, 1023\]/);
    const { '00080018': _, ...noSop } = parsed.dataset;
    assert.throws(run(image.pixels, { ...parsed, dataset: noSop }), /SOP Instance UID/);
    assert.throws(() => buildDerived({ source: parsed, pixels: image.pixels, provenance: { modelName: 'x', modelVersion: '' } }), DeriveError);
  });
});

describe('derive: pixel encodings', () => {
  const cases: { spec: ImageSpec; words: Uint8Array | Int16Array | Uint16Array }[] = [
    { spec: { width: 7, height: 5, bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0 }, words: Uint8Array.from({ length: 35 }, (_, i) => i * 7) },
    { spec: { width: 5, height: 3, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 1 }, words: Int16Array.from({ length: 15 }, (_, i) => (i - 7) * 250) },
    { spec: { width: 3, height: 3, bitsAllocated: 16, bitsStored: 16, pixelRepresentation: 0 }, words: Uint16Array.from({ length: 9 }, (_, i) => 65535 - i) },
  ];
  for (const { spec, words } of cases) {
    it(`writes ${spec.bitsAllocated}/${spec.bitsStored}-bit ${spec.pixelRepresentation ? 'signed' : 'unsigned'} pixels that read back exactly`, async () => {
      const parsed = parseDicom(nativeFile(spec, words));
      const source = edited(parsed, {
        '0020000D': { vr: 'UI', Value: ['2.25.1'] },
        '0020000E': { vr: 'UI', Value: ['2.25.2'] },
      });
      const image = await decodeParsed(source);
      const out = buildDerived({ source, pixels: image.pixels, provenance: PROVENANCE, options: { clock: CLOCK } });
      const back = await decodePixels(out.bytes);
      assert.equal(back.pixels.constructor, image.pixels.constructor);
      assert.deepEqual(Array.from(back.pixels), Array.from(words));
      assert.equal(back.highBit, spec.bitsStored - 1);
    });
  }
});

describe('derive: character sets', () => {
  it('writes Latin-1 names back byte for byte under ISO_IR 100', async () => {
    const source = edited(fixture(), {
      '00080005': { vr: 'CS', Value: ['ISO_IR 192'], _rawValue: ['ISO_IR 100'] } as DcmjsDict[string],
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Müller^Jörg' }] },
    });
    const { out } = await build(source);
    const bytes = Buffer.from(out.bytes);
    assert.ok(bytes.includes(Buffer.from('M\u00fcller^J\u00f6rg', 'latin1')), 'Latin-1 bytes of the name');
    assert.ok(bytes.includes(Buffer.from('ISO_IR 100', 'latin1')));
    assert.deepEqual(text(parseDicom(out.bytes).dataset, '00100010'), [{ Alphabetic: 'Müller^Jörg' }]);
  });

  it('switches the whole object to UTF-8 when our own text does not fit the source set', async () => {
    const source = edited(fixture(), { '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Müller^Jörg' }] } });
    const { out, back } = await build(source, { descriptionSuffix: ' ノイズ除去' });
    assert.ok(Buffer.from(out.bytes).includes(Buffer.from('ISO_IR 192', 'latin1')));
    assert.ok(Buffer.from(out.bytes).includes(Buffer.from('Müller^Jörg', 'utf8')));
    assert.deepEqual(text(back, '0008103E'), ['ノイズ除去']);
  });

  it('copies undeclared 8-bit names of a real source unchanged (shared DX file)', { skip: existsSync(SHARED_DX) ? false : `${SHARED_DX} is missing` }, async (t) => {
    const { out } = await build(parseDicom(readFileSync(SHARED_DX)));
    const tmp = tempDir('sharpxr-derive-charset-');
    t.after(() => tmp.cleanup());
    const file = join(tmp.dir, 'derived.dcm');
    writeFileSync(file, out.bytes);
    // dcmdump prints the value bytes as they are (read as Latin-1 here): the first line per tag.
    const dump = (path: string, tag: string): string =>
      execFileSync('dcmdump', ['-q', '+L', '+P', tag, path], { encoding: 'latin1' }).split('\n')[0]!;
    for (const tag of ['0010,0010', '0008,0070', '0008,0080', '0008,0090', '0008,1080', '0008,1090']) {
      assert.equal(dump(file, tag), dump(SHARED_DX, tag), `${tag}: same bytes as the source`);
    }
    assert.ok(!Buffer.from(out.bytes).includes(Buffer.from('ISO_IR', 'latin1')), 'no character set added');
  });
});

describe('derive: labels', () => {
  it('Secondary Capture: SC class, SC equipment, WSD conversion', async () => {
    const { out, back } = await build(fixture(), { secondaryCapture: true });
    assert.equal(out.sopClassUid, '1.2.840.10008.5.1.4.1.1.7');
    assert.deepEqual(text(back, '00080016'), ['1.2.840.10008.5.1.4.1.1.7']);
    assert.deepEqual(text(back, '00080064'), ['WSD']);
    assert.deepEqual(text(back, '00181016'), ['SharpXR']);
    assert.deepEqual(text(back, '00080060'), ['CR']);
  });

  it('guard flag, offsets, suffix and the diagnostic-use statement follow the options', async () => {
    const source = edited(fixture(), {
      '00200011': { vr: 'IS', Value: [7] },
      '0008103E': { vr: 'LO', Value: ['PA ERECT'] },
      '00204000': { vr: 'LT', Value: ['portable'] },
    });
    const flagged = (await build(source, { guardFlag: true, seriesNumberOffset: 500, descriptionSuffix: ' NR v1' })).back;
    assert.deepEqual(text(flagged, '0008103E'), ['PA ERECT NR v1 GUARD']);
    assert.deepEqual(text(flagged, '00200011'), [507]);
    assert.match(String(text(flagged, '00082111')[0]), /fidelity guard tripped/);
    assert.match(String(text(flagged, '00204000')[0]), /^NOT FOR DIAGNOSTIC USE.*Source image comments: portable$/);
    const cleared = (await build(source, { notForDiagnosticUse: false })).back;
    assert.deepEqual(text(cleared, '00204000'), ['portable']);
    assert.doesNotMatch(String(text(cleared, '00082111')[0]), /DIAGNOSTIC/);
  });

  it('keeps the source image type values 3..n and earlier contributing equipment', async () => {
    const earlier = { '00080070': { vr: 'LO', Value: ['Acme QA'] } };
    const source = edited(fixture(), {
      '00080008': { vr: 'CS', Value: ['ORIGINAL', 'PRIMARY', 'NORMALIZED', '', 'X', ''] },
      '0018A001': { vr: 'SQ', Value: [earlier] },
    });
    const { back } = await build(source);
    assert.deepEqual(text(back, '00080008'), ['DERIVED', 'SECONDARY', 'NORMALIZED', '', 'X']);
    const items = text(back, '0018A001') as DcmjsDict[];
    assert.deepEqual(items.map((i) => text(i, '00080070')[0]), ['Acme QA', 'SharpXR']);
  });
});
