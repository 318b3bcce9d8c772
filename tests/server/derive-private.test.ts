// SharpXR's private block in the derived object (issue 7: the viewer reads the guard's figures
// and the provenance from the object itself): (0071,0010) "SHARPXR 1" and its elements with
// their VRs and values, as our own parser reads them back and as DCMTK's dcmdump shows them;
// dciodvfy (dicom3tools) finds no error of ours in objects that carry it.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  DeriveError, PRIVATE_TAGS, SHARPXR_PRIVATE_CREATOR, buildDerived, canonicalJson, type DeriveOptions, type GuardFigures, type Provenance,
} from '../../server/src/derive/index.js';
import { decodeParsed, parseDicom } from '../../server/src/pipeline/decode/index.js';
import { NO_DCIODVFY, at, bumped, compareComplaints, dciodvfyErrors, dcmdumpTree, haveTool } from './derive-helpers.js';
import { ROOT, tempDir } from './helpers.js';

const FIXTURE = join(ROOT, 'tests', 'fixtures', 'dicom', 'CR-MONO1-10-chest_dcmbench_explicitLE.dcm');
// Figures of the shape the pipeline measures on this fixture (see process-instance.test.ts for
// the figures of a real run); 0.1 has no exact binary form, so the value round trip is tested.
const GUARD: GuardFigures = {
  clippedFraction: 0.026616735537190084, maxChangeStored: 313.9046539306641, flagged: false,
  maxClippedFraction: 0.15, sigmaStored: 1.9768229885359467, k: 3, strength: 0.1,
};
const PROVENANCE: Provenance = {
  modelName: 'sharpxr-unet', modelVersion: '1.2.0', params: { strength: 0.1, guard: { k: 3 }, note: 'Größe' }, guard: GUARD,
};

/** Expected (tag, VR, value) of every element of the block for these inputs. */
function expected(p: Provenance, flag: 'YES' | 'NO'): [string, string, string | number][] {
  const g = p.guard!;
  return [
    ['00710010', 'LO', SHARPXR_PRIVATE_CREATOR],
    ['00711001', 'FD', g.clippedFraction], ['00711002', 'FD', g.maxChangeStored!], ['00711003', 'CS', flag],
    ['00711004', 'FD', g.maxClippedFraction], ['00711005', 'FD', g.sigmaStored!], ['00711006', 'FD', g.k],
    ['00711007', 'FD', g.strength], ['00711008', 'LO', p.modelName], ['00711009', 'LO', p.modelVersion],
    ['0071100A', 'UT', canonicalJson(p.params ?? {})],
  ];
}

async function derive(provenance: Provenance = PROVENANCE, options: DeriveOptions = {}) {
  const parsed = parseDicom(readFileSync(FIXTURE));
  const image = await decodeParsed(parsed);
  const pixels = bumped(image.pixels, image.bitsStored, image.pixelRepresentation === 1);
  return buildDerived({ source: parsed, pixels, provenance, options });
}

const dumpTag = (tag: string): string => `${tag.slice(0, 4)},${tag.slice(4)}`.toLowerCase();

describe('derive: the SHARPXR 1 private block', () => {
  const tmp = tempDir('sharpxr-derive-private-');
  after(() => tmp.cleanup());

  it('lists one row per element, each with its rule, the creator first', () => {
    assert.deepEqual(PRIVATE_TAGS.map((r) => [r.tag, r.vr]), expected(PROVENANCE, 'NO').map(([tag, vr]) => [tag, vr]));
    for (const r of PRIVATE_TAGS) assert.ok(r.rule.length > 10 && r.keyword, r.tag);
  });

  it('reads back with the project\'s parser: VRs and values exact', async () => {
    const ds = parseDicom((await derive()).bytes).dataset;
    for (const [tag, vr, value] of expected(PROVENANCE, 'NO')) {
      assert.equal(ds[tag]?.vr, vr, `${tag} VR`);
      const got = ds[tag]?.Value?.[0];
      assert.equal(typeof got === 'string' ? got.trimEnd() : got, value, `${tag} value`);
    }
  });

  it('shows in dcmdump with the same VRs and values, the creator before its elements', async () => {
    const file = join(tmp.dir, 'derived.dcm');
    writeFileSync(file, (await derive()).bytes);
    const tree = dcmdumpTree(file).data;
    for (const [tag, vr, value] of expected(PROVENANCE, 'NO')) {
      const el = at(tree, dumpTag(tag));
      assert.equal(el?.vr, vr, `${tag} VR`);
      // dcmdump prints FD with 17 significant digits: enough to give back the same double;
      // text as the bytes it found (dcmdumpTree reads them as Latin-1), here UTF-8.
      assert.equal(typeof value === 'number' ? Number(el!.value) : Buffer.from(el!.value, 'latin1').toString('utf8'), value, `${tag} value`);
    }
    // Our non-ASCII parameter text made the object UTF-8, declared (the source declares no set).
    assert.equal(at(tree, '0008,0005')?.value, 'ISO_IR 192');
    const order = tree.map((e) => e.tag);
    assert.ok(order.indexOf('0071,0010') < order.indexOf('0071,1001'));
  });

  it('says YES and GUARD when the guard tripped, and keeps the sentence in DerivationDescription', async () => {
    const flagged = { ...PROVENANCE, guard: { ...GUARD, clippedFraction: 0.2, flagged: true } };
    const ds = parseDicom((await derive(flagged)).bytes).dataset;
    assert.equal(String(ds['00711003']?.Value?.[0]).trim(), 'YES');
    assert.match(String(ds['0008103E']?.Value?.[0]), / GUARD$/);
    assert.match(String(ds['00082111']?.Value?.[0]), /fidelity guard tripped: change bound reached on more pixels than allowed/);
  });

  it('writes no guard element without the guard\'s figures, and leaves out the stored-unit ones it was not given', async () => {
    const { guard: _, ...bare } = PROVENANCE;
    const none = parseDicom((await derive(bare)).bytes).dataset;
    for (const tag of ['00711001', '00711002', '00711003', '00711004', '00711005', '00711006', '00711007']) assert.equal(none[tag], undefined, tag);
    for (const tag of ['00710010', '00711008', '00711009', '0071100A']) assert.ok(none[tag], tag);
    const { maxChangeStored: _m, sigmaStored: _s, ...modelUnitsOnly } = GUARD;
    const partial = parseDicom((await derive({ ...PROVENANCE, guard: modelUnitsOnly })).bytes).dataset;
    assert.deepEqual([partial['00711002'], partial['00711005']], [undefined, undefined]);
    assert.equal(partial['00711001']?.Value?.[0], GUARD.clippedFraction);
  });

  it('refuses figures that are not finite and a guardFlag that contradicts them', async () => {
    await assert.rejects(derive({ ...PROVENANCE, guard: { ...GUARD, sigmaStored: Number.NaN } }), (e: unknown) => e instanceof DeriveError && /sigmaStored/.test(e.message));
    await assert.rejects(derive(PROVENANCE, { guardFlag: true }), (e: unknown) => e instanceof DeriveError && /contradicts/.test(e.message));
  });

  it('keeps dciodvfy free of errors of ours, flagged and as Secondary Capture', async (t) => {
    assert.ok(haveTool('dciodvfy'), NO_DCIODVFY);
    const flagged = { ...PROVENANCE, guard: { ...GUARD, flagged: true } };
    for (const [name, options] of [['plain', {}], ['sc', { secondaryCapture: true }]] as const) {
      const file = join(tmp.dir, `${name}.dcm`);
      writeFileSync(file, (await derive(flagged, options)).bytes);
      const { inherited, ours } = compareComplaints(dciodvfyErrors(FIXTURE), dciodvfyErrors(file));
      for (const line of inherited) t.diagnostic(`inherited from the source: ${line}`);
      assert.deepEqual(ours, [], `${name}: dciodvfy errors the source does not have`);
    }
  });
});
