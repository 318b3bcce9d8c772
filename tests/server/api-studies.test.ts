// GET /api/studies, GET /api/studies/:uid and DELETE /api/instances/:id on the real router,
// auth and database, with the instances received over DICOM (storescu to the real listener
// and ingest sink): filters, keyset pages that hold while new studies arrive, validation
// messages, the audit rows (a search names its filters, never the patient ID typed), and a
// delete that removes exactly the instance's files and rows.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listAudit } from '../../server/src/db/index.js';
import { studyDetailSchema, studySummarySchema } from '../../server/src/jobs/schemas.js';
import { PrismaDeliveryLog } from '../../server/src/queue/index.js';
import { HAVE_DCMTK } from '../helpers/dcmtk.js';
import type { Client } from './api-fixture.js';
import { call, claimJob, errorOf, finish, fixtureCopy, jobOf, killJob, startOpsApp, type OpsApp } from './api-jobs-fixture.js';
import { dcmtk } from './dicom-builders.js';
import { tempDir } from './helpers.js';
import { z } from 'zod';

const page = z.object({ items: z.array(studySummarySchema), nextCursor: z.string().nullable() });
const uid = (n: number) => `1.2.826.0.1.3680043.8.498.${process.pid}.100.${n}`;
const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');

describe('studies API', { skip: !HAVE_DCMTK && 'DCMTK is not installed' }, () => {
  const tmp = tempDir('sharpxr-api-studies-');
  let ops: OpsApp;
  let viewer: Client;
  let operator: Client;
  let admin: Client;
  const sops: Record<string, string> = {};

  before(async () => {
    ops = await startOpsApp(tmp.dir);
    [viewer, operator, admin] = [await ops.app.as('viewer'), await ops.app.as('operator'), await ops.app.as('admin')];
    // Sent one study at a time, so the receipt order (newest first in the list) is S4, S3, S2, S1.
    const studies = [
      [{ study: uid(1), patientId: 'PAT-A', accession: 'ACC-1', studyDate: '20240105' }, { study: uid(1), patientId: 'PAT-A', accession: 'ACC-1', studyDate: '20240105' }],
      [{ study: uid(2), patientId: 'PAT-B', accession: 'ACC-2', studyDate: '20240210' }],
      [{ study: uid(3), patientId: 'PAT-A', accession: 'ACC-3', studyDate: '20240315', bodyPart: 'HAND' }],
      [{ study: uid(4), patientId: 'OTHER', accession: 'XYZ', studyDate: '' }],
    ];
    for (const [s, edits] of studies.entries()) {
      const copies = edits.map((e) => fixtureCopy(tmp.dir, e));
      copies.forEach((c, i) => (sops[`S${s + 1}.${i}`] = c.sop));
      await ops.send(copies.map((c) => c.path));
    }
    await finish(ops.queue, (await jobOf(ops.db, sops['S1.0']!)).id, { guardFlagged: true });
    await killJob(ops.queue, (await jobOf(ops.db, sops['S2.0']!)).id);
  });
  after(async () => {
    await ops?.close();
    tmp.cleanup();
  });

  const ours = (items: readonly { studyInstanceUid: string }[]) => items.map((s) => s.studyInstanceUid).filter((u) => u.includes('.100.'));
  const search = async (qs: string) => ours((await call(viewer, `/api/studies?${qs}`, 200, {}, page)).items);

  it('needs a login', async () => {
    assert.equal((await ops.app.anonymous().fetch('/api/studies')).status, 401);
    assert.equal((await ops.app.anonymous().fetch(`/api/studies/${uid(1)}`)).status, 401);
  });

  it('lists studies newest first with their instances, job states and guard flag', async () => {
    const body = await call(viewer, '/api/studies', 200, {}, page);
    assert.deepEqual(ours(body.items).slice(0, 4), [uid(4), uid(3), uid(2), uid(1)]);
    const s1 = body.items.find((s) => s.studyInstanceUid === uid(1))!;
    assert.deepEqual({ ...s1, lastReceivedAt: undefined }, {
      studyInstanceUid: uid(1), patientId: 'PAT-A', accessionNumber: 'ACC-1', studyDate: '20240105', instances: 2,
      jobs: { exported: 1, queued: 1 }, guardFlagged: true, lastReceivedAt: undefined,
    });
    const s3 = body.items.find((s) => s.studyInstanceUid === uid(3))!;
    assert.deepEqual([s3.instances, s3.jobs, s3.guardFlagged], [1, {}, false], 'the hand is stored and skipped: no job');
    assert.equal(body.items.find((s) => s.studyInstanceUid === uid(2))!.jobs.dead, 1);
  });

  it('filters by patient ID, accession, free text, date, job state and guard flag', async () => {
    assert.deepEqual(await search('patientId=pat-a'), [uid(3), uid(1)], 'patient ID exact, ignoring case');
    assert.deepEqual(await search('patientId=PAT'), [], 'not a prefix');
    assert.deepEqual(await search('accession=ACC-2'), [uid(2)]);
    assert.deepEqual(await search('q=ACC-'), [uid(3), uid(2), uid(1)]);
    assert.deepEqual(await search(`q=${encodeURIComponent('498.')}${process.pid}.100.4`), [uid(4)], 'part of the Study Instance UID');
    assert.deepEqual(await search('q=%25'), [], 'LIKE wildcards are literal');
    assert.deepEqual(await search('from=2024-02-01&to=20240229'), [uid(2)]);
    assert.deepEqual(await search(`from=${today}`), [uid(4)], 'a study without a date counts with its receipt date');
    assert.deepEqual(await search('state=dead'), [uid(2)]);
    assert.deepEqual(await search('state=queued'), [uid(4), uid(1)]);
    assert.deepEqual(await search('guard=flagged'), [uid(1)]);
    assert.deepEqual(await search('guard=ok'), [uid(4), uid(3), uid(2)]);
    assert.deepEqual(await search('patientId=PAT-A&guard=ok'), [uid(3)], 'filters combine');
  });

  it('pages with a cursor that holds while new studies arrive', async () => {
    const first = await call(viewer, '/api/studies?limit=2', 200, {}, page);
    assert.equal(first.items.length, 2);
    assert.ok(first.nextCursor);
    // A new study arrives between pages: it is on top, not pushing the next page down.
    const late = fixtureCopy(tmp.dir, { study: uid(9), patientId: 'LATE' });
    await ops.send([late.path]);
    const seen = first.items.map((s) => s.studyInstanceUid);
    let cursor: string | null = first.nextCursor;
    while (cursor) {
      const next: z.infer<typeof page> = await call(viewer, `/api/studies?limit=2&cursor=${encodeURIComponent(cursor)}`, 200, {}, page);
      seen.push(...next.items.map((s) => s.studyInstanceUid));
      cursor = next.nextCursor;
    }
    assert.deepEqual(ours(seen.map((studyInstanceUid) => ({ studyInstanceUid }))), [uid(4), uid(3), uid(2), uid(1)], 'every study once, in order');
    assert.ok(!seen.includes(uid(9)));
    assert.equal(ours((await call(viewer, '/api/studies?limit=1', 200, {}, page)).items)[0], uid(9));
  });

  it('answers 400 naming the field for bad filters', async () => {
    const bad = async (qs: string, pattern: RegExp) => assert.match(errorOf(await call(viewer, `/api/studies?${qs}`, 400)), pattern, qs);
    await bad('limit=0', /^limit: /);
    await bad('limit=abc', /^limit: /);
    await bad('from=2024-13', /^from: expected a date/);
    await bad('from=20240301&to=20240101', /^from: from must not be after to/);
    await bad('guard=maybe', /^guard: /);
    await bad('state=lost', /^state: /);
    await bad('patientID=PAT-A', /patientID/);
    await bad('cursor=not-a-cursor', /^cursor: not a cursor this API gave out/);
  });

  it('audits a search as a view of patient data, naming the filters but not the patient ID', async () => {
    await call(viewer, '/api/studies?patientId=PAT-A&state=exported', 200);
    const row = (await listAudit(ops.db, { action: 'patient.search' })).find((r) => r.actor === viewer.username)!;
    assert.ok(row, 'a patient.search row');
    assert.deepEqual(JSON.parse(row.detailJson!), { filters: ['patientId', 'state'], state: 'exported', results: 1 });
    assert.ok(!row.detailJson!.includes('PAT-A'));
    assert.equal(row.subject, 'studies');
    assert.ok(row.ip && row.userId, 'client address and user id');
  });

  it('shows one study with its instances and jobs, audited as patient.view', async () => {
    const detail = await call(viewer, `/api/studies/${uid(1)}`, 200, {}, studyDetailSchema);
    assert.equal(detail.study.instances, 2);
    assert.deepEqual(detail.instances.map((i) => i.sopInstanceUid), [sops['S1.0'], sops['S1.1']]);
    assert.deepEqual(detail.instances.map((i) => i.jobs.map((j) => j.state)), [['exported'], ['queued']]);
    assert.equal(detail.instances[0]!.jobs[0]!.timingsMs?.inferMs, 40);
    const hand = await call(viewer, `/api/studies/${uid(3)}`, 200, {}, studyDetailSchema);
    assert.equal(hand.instances[0]!.status, 'skipped');
    assert.match(hand.instances[0]!.skipReason ?? '', /HAND/);
    const rows = await listAudit(ops.db, { action: 'patient.view', subject: `study:${uid(1)}` });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.actor, viewer.username);
    assert.match(errorOf(await call(viewer, '/api/studies/1.2.3.999', 404)), /no study 1\.2\.3\.999/);
    assert.match(errorOf(await call(viewer, '/api/studies/abc', 400)), /^uid: not a DICOM UID/);
  });

  it('deletes an instance (admin only): its received, derived and rendering files and its rows', async () => {
    const doomed = fixtureCopy(tmp.dir, { study: uid(7) });
    const sibling = fixtureCopy(tmp.dir, { study: uid(7) });
    await ops.send([doomed.path, sibling.path]);
    const job = await jobOf(ops.db, doomed.sop);
    const studyDir = join(ops.derivedDir, uid(7));
    mkdirSync(studyDir, { recursive: true });
    const derived = join(studyDir, '2.25.1001.dcm');
    copyFileSync(doomed.path, derived);
    // A Secondary Capture rendering names its source in the Source Image Sequence; a file of
    // another instance (here: one whose UID merely starts with ours) must stay.
    const rendering = referencing(studyDir, '2.25.1002.dcm', doomed.sop);
    const other = referencing(studyDir, '2.25.1003.dcm', `${doomed.sop}1`);
    await finish(ops.queue, job.id, { derivedPath: derived });
    await new PrismaDeliveryLog(ops.db).record(job.id, 'pacs', { ok: true, status: 0 });
    const instance = await ops.db.instance.findUniqueOrThrow({ where: { sopInstanceUid: doomed.sop } });

    assert.equal((await viewer.fetch(`/api/instances/${instance.id}`, { method: 'DELETE' })).status, 403);
    assert.equal((await operator.fetch(`/api/instances/${instance.id}`, { method: 'DELETE' })).status, 403);
    const noCsrf = await admin.fetch(`/api/instances/${instance.id}`, { method: 'DELETE', headers: { 'x-csrf-token': '' } });
    assert.equal(noCsrf.status, 403);
    assert.ok(existsSync(instance.path), 'nothing deleted by refused requests');

    const deleted = await call(admin, `/api/instances/${instance.id}`, 200, { method: 'DELETE' });
    assert.deepEqual(deleted, { instanceId: instance.id, sopInstanceUid: doomed.sop, studyInstanceUid: uid(7), jobs: 1, deliveries: 1, files: 3, bytes: (deleted as { bytes: number }).bytes });
    for (const gone of [instance.path, derived, rendering]) assert.ok(!existsSync(gone), `${gone} deleted`);
    assert.ok(existsSync(other), 'the other instance\'s file stays');
    assert.equal(await ops.db.instance.count({ where: { id: instance.id } }), 0);
    assert.equal(await ops.db.job.count({ where: { id: job.id } }), 0);
    assert.equal(await ops.db.delivery.count({ where: { jobId: job.id } }), 0);
    const siblingRow = await ops.db.instance.findUniqueOrThrow({ where: { sopInstanceUid: sibling.sop } });
    assert.ok(existsSync(siblingRow.path), 'the study\'s other instance is untouched');
    const [row] = await listAudit(ops.db, { action: 'instance.delete' });
    assert.equal(row?.actor, admin.username);
    assert.equal(row?.subject, `instance:${instance.id}`);
    assert.equal(JSON.parse(row!.detailJson!).files, 3);
    assert.equal((await admin.fetch(`/api/instances/${instance.id}`, { method: 'DELETE' })).status, 404);
  });

  it('refuses to delete while a job of the instance is being processed', async () => {
    const busy = fixtureCopy(tmp.dir, { study: uid(8) });
    await ops.send([busy.path]);
    const job = await jobOf(ops.db, busy.sop);
    await claimJob(ops.queue, job.id);
    const instance = await ops.db.instance.findUniqueOrThrow({ where: { sopInstanceUid: busy.sop } });
    const body = await call(admin, `/api/instances/${instance.id}`, 409, { method: 'DELETE' });
    assert.match(errorOf(body), /being processed/);
    assert.ok(existsSync(instance.path));
    assert.equal(await ops.db.job.count({ where: { id: job.id } }), 1);
  });
});

/** A small DICOM file in `dir` whose Source Image Sequence references `sop`. */
function referencing(dir: string, name: string, sop: string): string {
  const path = join(dir, name);
  dcmtk('dcmodify', ['-nb', '-e', '(7FE0,0010)', '-i', `(0008,2112)[0].(0008,1155)=${sop}`, '-i', '(0008,0016)=1.2.840.10008.5.1.4.1.1.7', copyTo(path)]);
  return path;
}

function copyTo(path: string): string {
  copyFileSync(join(import.meta.dirname, '..', 'fixtures', 'dicom', 'CR-MONO1-10-chest_dcmbench_explicitLE.dcm'), path);
  return path;
}
