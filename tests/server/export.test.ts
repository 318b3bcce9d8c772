// Export (issue 3, item 10) against a real PACS: C-STORE and C-ECHO into Orthanc 1.10, checked
// through its REST API, and Orthanc's Lua auto-routing towards our node (played here by
// storescp) that must not send our own derived series back to us.
// Peers for the SCU's failure paths and byte-level checks: export-peers.test.ts.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildDerived, type DerivedObject } from '../../server/src/derive/index.js';
import { dimse } from '../../server/src/export/dimse.js';
import { echoDestination, sendInstance, sendInstances, type Destination, type SendOptions } from '../../server/src/export/index.js';
import { decodeParsed, parseDicom } from '../../server/src/pipeline/decode/index.js';
import {
  dcmtkMissing, forwardingLua, freePort, orthancMissing, startOrthanc, startStorescp, waitFor,
  type OrthancHandle, type StorescpHandle,
} from '../helpers/orthanc.js';
import { ROOT } from './helpers.js';

dimse.log.setLevel('silent'); // dcmjs-dimse logs every PDU at its default level (trace)

const FIXTURE = join(ROOT, 'tests', 'fixtures', 'dicom', 'CR-MONO1-10-chest_dcmbench_explicitLE.dcm');
const FIXTURE_UID = '1.2.392.200036.9125.0.19950720112207';
/** 8.5 MB DX, explicit VR little endian, 2000x2128x16 bits: the size of a real derived chest film. */
const BIG = resolve(ROOT, '..', 'shared', 'data', 'dicom', 'transcoded', 'DX_CHEST_966_12bit_MONO1_EVRLE.dcm');
const BIG_UID = '1.2.392.200046.100.2.1.97028794843.150131102105.1.1.1';
const NO_BIG = `${BIG} is missing: the 8 MB send and its latency were NOT measured`;
const OUR_AET = 'SHARPXR';
const SKIP_ORTHANC = orthancMissing();
if (SKIP_ORTHANC) console.log(`export.test: ${SKIP_ORTHANC}: the Orthanc tests were NOT run`);

const send = (timeoutMs = 10_000): SendOptions => ({ callingAeTitle: OUR_AET, timeoutMs });
const toOrthanc = (o: OrthancHandle, aeTitle = o.aet): Destination => ({ name: 'orthanc', aeTitle, host: '127.0.0.1', port: o.dicomPort });

/** A derived object made by the real derive stage; `run` changes the provenance and so its UIDs. */
async function derived(run: number): Promise<DerivedObject> {
  const parsed = parseDicom(readFileSync(FIXTURE));
  const image = await decodeParsed(parsed);
  const pixels = image.pixels.map((v) => (v > 0 ? v - 1 : v)) as typeof image.pixels;
  return buildDerived({ source: parsed, pixels, provenance: { modelName: 'sharpxr-unet', modelVersion: '1.0.0', params: { run } } });
}

describe('export to Orthanc (C-STORE, C-ECHO)', { skip: SKIP_ORTHANC ?? false }, () => {
  let orthanc: OrthancHandle;
  before(async () => { orthanc = await startOrthanc({ aet: 'PACS', checkCalledAet: true, dicomWeb: true }); });
  after(async () => { await orthanc?.stop(); });

  it('stores the fixture: Orthanc has it under the same SOP Instance UID', async () => {
    const outcome = await sendInstance(toOrthanc(orthanc), FIXTURE, send());
    assert.deepEqual(outcome, { ok: true, status: 0 });
    const ids = await orthanc.findInstances(FIXTURE_UID);
    assert.equal(ids.length, 1);
    const tags = await orthanc.instanceTags(ids[0]!);
    assert.equal(tags.SOPInstanceUID, FIXTURE_UID);
    const qido = await orthanc.rest<unknown[]>(`/dicom-web/instances?SOPInstanceUID=${FIXTURE_UID}`);
    assert.equal(qido.length, 1, 'DICOMweb (QIDO-RS) sees it too');
  });

  it('is idempotent: the same instance sent twice is stored once', async () => {
    for (let i = 0; i < 2; i++) assert.equal((await sendInstance(toOrthanc(orthanc), FIXTURE, send())).ok, true);
    assert.equal((await orthanc.findInstances(FIXTURE_UID)).length, 1);
    const stats = await orthanc.rest<{ CountInstances: number }>('/statistics');
    assert.equal(stats.CountInstances, 1);
  });

  it('stores derive\'s in-memory objects as a batch on one association, failing only the unreadable input', async () => {
    const [a, b] = [await derived(1), await derived(2)];
    const outcomes = await sendInstances(toOrthanc(orthanc), [a, '/nonexistent/x.dcm', b], send());
    assert.deepEqual(outcomes[0], { ok: true, status: 0 });
    assert.deepEqual(outcomes[2], { ok: true, status: 0 });
    assert.equal(outcomes[1]!.ok, false);
    assert.ok(!outcomes[1]!.ok && !outcomes[1]!.retryable && /nonexistent/.test(outcomes[1]!.error));
    for (const d of [a, b]) assert.equal((await orthanc.findInstances(d.sopInstanceUid)).length, 1);
    // Derived series sit in the source's study; each provenance (here `run`) makes its own series.
    const series = await orthanc.listSeries(a.studyInstanceUid);
    for (const d of [a, b]) {
      const found = series.find((s) => s.MainDicomTags.SeriesInstanceUID === d.seriesInstanceUid);
      assert.ok(found, `derived series not in Orthanc: ${JSON.stringify(series.map((s) => s.MainDicomTags))}`);
      assert.match(found.MainDicomTags.SeriesDescription ?? '', /DENOISED/);
    }
  });

  it('sends an 8 MB instance and reports the latency', { skip: existsSync(BIG) ? false : NO_BIG }, async () => {
    const timings: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const outcome = await sendInstance(toOrthanc(orthanc), BIG, send(30_000));
      timings.push(performance.now() - t0);
      assert.deepEqual(outcome, { ok: true, status: 0 });
    }
    assert.equal((await orthanc.findInstances(BIG_UID)).length, 1);
    const sorted = [...timings].sort((x, y) => x - y);
    console.log(`export.test: sendInstance of ${(readFileSync(BIG).length / 1e6).toFixed(1)} MB into Orthanc: ` +
      `first ${timings[0]!.toFixed(0)} ms (new instance), median ${sorted[2]!.toFixed(0)} ms, all ${timings.map((t) => t.toFixed(0)).join('/')} ms`);
  });

  it('fails fast and for good when the called AE title is wrong (DicomCheckCalledAet)', async () => {
    const t0 = Date.now();
    const outcome = await sendInstance(toOrthanc(orthanc, 'NOT_THE_PACS'), FIXTURE, send());
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok && outcome.retryable === false, JSON.stringify(outcome));
    assert.match(outcome.ok ? '' : outcome.error, /rejected \(permanent\).*called AE title "NOT_THE_PACS" not recognized/);
  });

  it('echoes: ok against Orthanc, retryable failure when nothing listens', async () => {
    const ok = await echoDestination(toOrthanc(orthanc), send());
    assert.equal(ok.ok, true);
    const down = await echoDestination({ name: 'down', aeTitle: 'PACS', host: '127.0.0.1', port: await freePort() }, send());
    assert.ok(!down.ok && down.retryable && /connection refused/.test(down.error), JSON.stringify(down));
    const wrongAe = await echoDestination(toOrthanc(orthanc, 'NOT_THE_PACS'), send());
    assert.ok(!wrongAe.ok && !wrongAe.retryable, JSON.stringify(wrongAe));
  });
});

describe('Orthanc auto-routing to our node (Lua)', { skip: SKIP_ORTHANC ?? dcmtkMissing() ?? false }, () => {
  let node: StorescpHandle; // stands in for the SharpXR listener
  let orthanc: OrthancHandle;
  before(async () => {
    node = await startStorescp({ aet: OUR_AET });
    orthanc = await startOrthanc({
      aet: 'PACS',
      modalities: { sharpxr: [OUR_AET, '127.0.0.1', node.port] },
      lua: forwardingLua('sharpxr', [OUR_AET]),
    });
  });
  after(async () => {
    await orthanc?.stop();
    await node?.stop();
  });

  const received = (uid: string): boolean => node.files().some((f) => f.endsWith(uid));

  it('forwards a REST upload to our node', async () => {
    const upload = await orthanc.uploadInstance(FIXTURE);
    assert.equal(upload.Status, 'Success');
    await waitFor(() => received(FIXTURE_UID), 15_000, 'the REST upload to reach our node');
    assert.match(orthanc.log(), /"RequestOrigin":"RestApi"/);
  });

  it('forwards a C-STORE from a modality but not our own derived series', async () => {
    const [ours, modality] = [await derived(10), await derived(11)];
    const pacs = toOrthanc(orthanc);
    assert.deepEqual(await sendInstance(pacs, ours, send()), { ok: true, status: 0 });
    assert.deepEqual(await sendInstance(pacs, modality, { ...send(), callingAeTitle: 'CR_ROOM_1' }), { ok: true, status: 0 });
    // Routing jobs run in arrival order: once the later instance is through, the earlier one had its chance.
    await waitFor(() => received(modality.sopInstanceUid), 15_000, 'the modality\'s instance to reach our node');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(received(ours.sopInstanceUid), false, 'our own derived instance came back to us');
    const [oursId] = await orthanc.findInstances(ours.sopInstanceUid);
    assert.match(orthanc.log(), new RegExp(`not forwarding ${oursId} from ${OUR_AET}`));
    assert.match(orthanc.log(), /"CalledAet":"PACS","RemoteAet":"CR_ROOM_1","RemoteIp":"127.0.0.1","RequestOrigin":"DicomProtocol"/);
  });

  it('C-STORE via Orthanc\'s REST (POST /modalities/{name}/store) reaches our node too', async () => {
    const other = await derived(12);
    const stored = await sendInstance(toOrthanc(orthanc), other, send());
    assert.equal(stored.ok, true);
    const [id] = await orthanc.findInstances(other.sopInstanceUid);
    await orthanc.sendToModality([id!], 'sharpxr');
    assert.ok(received(other.sopInstanceUid));
  });
});
