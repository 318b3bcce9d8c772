// GET /api/jobs, GET /api/jobs/:id and the operator's actions (retry, send again, send held,
// reprocess) on the real router, auth, queue and database, with instances received by
// storescu and jobs moved through the queue's own calls: who may do what (401/403, CSRF,
// bearer tokens), the 409s that keep a job's state honest, the audit rows, and that each action
// really requeues (the next claim takes the job). tests/console/studies-jobs-e2e.test.ts runs them on a node.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { listAudit } from '../../server/src/db/index.js';
import { jobDetailSchema, jobSchema } from '../../server/src/jobs/schemas.js';
import { PrismaDeliveryLog } from '../../server/src/queue/index.js';
import { HAVE_DCMTK } from '../helpers/dcmtk.js';
import type { Client } from './api-fixture.js';
import { call, claimJob, errorOf, finish, fixtureCopy, jobOf, killJob, MODEL, startOpsApp, type OpsApp } from './api-jobs-fixture.js';
import { tempDir } from './helpers.js';

const list = z.object({ items: z.array(jobSchema), nextCursor: z.string().nullable() });
const STUDY = `1.2.826.0.1.3680043.8.498.${process.pid}.200`;

describe('jobs API', { skip: !HAVE_DCMTK && 'DCMTK is not installed' }, () => {
  const tmp = tempDir('sharpxr-api-jobs-');
  let ops: OpsApp;
  let viewer: Client;
  let operator: Client;
  const ids: Record<'exported' | 'dead' | 'held' | 'queued' | 'gone', string> = { exported: '', dead: '', held: '', queued: '', gone: '' };
  let derivedPath = '';

  before(async () => {
    ops = await startOpsApp(tmp.dir);
    [viewer, operator] = [await ops.app.as('viewer'), await ops.app.as('operator')];
    const copies = Object.keys(ids).map(() => fixtureCopy(tmp.dir, { study: STUDY }));
    await ops.send(copies.map((c) => c.path));
    const jobs = await Promise.all(copies.map((c) => jobOf(ops.db, c.sop)));
    (Object.keys(ids) as (keyof typeof ids)[]).forEach((k, i) => (ids[k] = jobs[i]!.id));
    mkdirSync(join(ops.derivedDir, STUDY), { recursive: true });
    derivedPath = join(ops.derivedDir, STUDY, '2.25.5001.dcm');
    copyFileSync(copies[0]!.path, derivedPath);
    // The worker records a delivery after processing, before it completes the job; on a loaded
    // machine tens of milliseconds can pass between the two (the timeline must still read in order).
    await finish(ops.queue, ids.exported, { derivedPath }, async () => {
      await new PrismaDeliveryLog(ops.db).record(ids.exported, 'pacs', { ok: true, status: 0 });
      await new Promise((r) => setTimeout(r, 40));
    });
    await killJob(ops.queue, ids.dead, 'MalformedDicomError: the codestream ends early');
    await finish(ops.queue, ids.held, { guardFlagged: true, held: true, derivedPath, timingsMs: { inferMs: 30, exportMs: 0, totalMs: 32 } });
    // Retention took both files of this one.
    await finish(ops.queue, ids.gone);
    const gone = await ops.db.instance.findUniqueOrThrow({ where: { sopInstanceUid: copies[4]!.sop } });
    rmSync(gone.path);
    await ops.db.$executeRaw`UPDATE "Instance" SET "purgedAt" = ${new Date()} WHERE "id" = ${gone.id}`;
  });
  after(async () => {
    await ops?.close();
    tmp.cleanup();
  });

  it('lists jobs newest first, by state and role, in keyset pages', async () => {
    assert.equal((await ops.app.anonymous().fetch('/api/jobs')).status, 401);
    const all = await call(viewer, '/api/jobs', 200, {}, list);
    assert.deepEqual(new Set(all.items.map((j) => j.id)), new Set(Object.values(ids)));
    const dead = await call(viewer, '/api/jobs?state=dead', 200, {}, list);
    assert.deepEqual(dead.items.map((j) => j.id), [ids.dead]);
    assert.equal(dead.items[0]!.lastError, 'MalformedDicomError: the codestream ends early');
    assert.equal((await call(viewer, '/api/jobs?role=shadow', 200, {}, list)).items.length, 0);
    const seen: string[] = [];
    let cursor: string | null = '';
    do {
      const p: z.infer<typeof list> = await call(viewer, `/api/jobs?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, 200, {}, list);
      seen.push(...p.items.map((j) => j.id));
      cursor = p.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, all.items.map((j) => j.id), 'the pages are the list, in order, once each');
    for (const [qs, field] of [['limit=500', 'limit'], ['state=lost', 'state'], ['role=boss', 'role'], ['page=2', 'page']]) {
      assert.match(errorOf(await call(viewer, `/api/jobs?${qs}`, 400)), new RegExp(field!), qs);
    }
  });

  it('shows a job with its timeline, deliveries, files and shadow job', async () => {
    const d = await call(viewer, `/api/jobs/${ids.exported}`, 200, {}, jobDetailSchema);
    const stages = d.timeline.map((e) => e.stage);
    assert.deepEqual(stages, ['received', 'queued', 'read', 'decode', 'normalize', 'infer', 'guard', 'denormalize', 'encode', 'export', 'deliver pacs', 'exported']);
    assert.equal(d.timeline.find((e) => e.stage === 'infer')!.ms, 40);
    assert.deepEqual(d.timeline.map((e) => e.at), [...d.timeline.map((e) => e.at)].sort(), 'in time order');
    assert.deepEqual(d.deliveries.map((x) => [x.destination, x.state, x.attempts]), [['pacs', 'sent', 1]]);
    assert.deepEqual(d.files, { source: true, derived: true });
    assert.equal(d.shadow, undefined);
    const job = await ops.db.job.findUniqueOrThrow({ where: { id: ids.exported } });
    const now = new Date();
    const shadow = await ops.db.job.create({ data: {
      instanceId: job.instanceId, sopInstanceUid: job.sopInstanceUid, studyInstanceUid: job.studyInstanceUid, modelId: 'candidate', modelVersion: '0.9',
      paramsHash: job.paramsHash, state: 'kept', role: 'shadow', maxAttempts: 3, nextRunAt: now, createdAt: now, updatedAt: now, finishedAt: now,
    } });
    assert.equal((await call(viewer, `/api/jobs/${ids.exported}`, 200, {}, jobDetailSchema)).shadow?.id, shadow.id);
    const fromShadow = await call(viewer, `/api/jobs/${shadow.id}`, 200, {}, jobDetailSchema);
    assert.equal(fromShadow.primary?.id, ids.exported);
    assert.equal(fromShadow.timeline.at(-1)!.stage, 'kept (shadow result, not sent)');
    const held = await call(viewer, `/api/jobs/${ids.held}`, 200, {}, jobDetailSchema);
    assert.equal(held.timeline.at(-1)!.stage, 'held by the guard (not sent)');
    assert.ok(!held.timeline.some((e) => e.stage === 'export'), 'a held image has no export stage');
    const gone = await call(viewer, `/api/jobs/${ids.gone}`, 200, {}, jobDetailSchema);
    assert.deepEqual(gone.files, { source: false, derived: false });
    assert.match(errorOf(await call(viewer, '/api/jobs/nope', 404)), /no job nope/);
    // The send-again refusal for shadow jobs is checked here, where the shadow job exists.
    assert.match(errorOf(await call(operator, `/api/jobs/${shadow.id}/send`, 409, { method: 'POST' })), /shadow job's result is kept/);
  });

  it('retries a dead job for an operator, not a viewer, and audits it', async () => {
    const denied = await viewer.fetch(`/api/jobs/${ids.dead}/retry`, { method: 'POST' });
    assert.equal(denied.status, 403);
    assert.ok((await listAudit(ops.db, { action: 'auth.denied' })).some((r) => r.actor === viewer.username && r.subject === 'route:POST /jobs/:id/retry'));
    assert.equal((await operator.fetch(`/api/jobs/${ids.dead}/retry`, { method: 'POST', headers: { 'x-csrf-token': 'wrong' } })).status, 403);
    assert.equal((await ops.db.job.findUniqueOrThrow({ where: { id: ids.dead } })).state, 'dead', 'refused requests change nothing');
    assert.match(errorOf(await call(operator, `/api/jobs/${ids.exported}/retry`, 409, { method: 'POST' })), /only dead or failed jobs can be retried/);
    const woken = ops.notified.count;
    const job = await call(operator, `/api/jobs/${ids.dead}/retry`, 200, { method: 'POST' }, jobSchema);
    assert.deepEqual([job.state, job.attempts], ['queued', 0]);
    assert.equal(ops.notified.count, woken + 1, 'the worker was woken');
    const [row] = await listAudit(ops.db, { action: 'job.retry', subject: `job:${ids.dead}` });
    assert.equal(row?.actor, operator.username);
    assert.equal(JSON.parse(row!.detailJson!).from, 'dead');
    const timeline = (await call(viewer, `/api/jobs/${ids.dead}`, 200, {}, jobDetailSchema)).timeline;
    assert.deepEqual(timeline.filter((e) => e.actor).map((e) => [e.stage, e.ok]), [['dead-lettered', false], ['retried', true]]);
    assert.equal(await claimJob(ops.queue, ids.dead), ids.dead, 'the next claim takes it');
    await ops.queue.fail(ids.dead, 'test-worker', 'MalformedDicomError: again', { retryable: false }); // dead again, for the token below
  });

  it('accepts an operator token without CSRF, and a viewer token cannot act', async () => {
    const token = await ops.app.withToken('operator');
    assert.equal((await call(token, `/api/jobs/${ids.dead}/retry`, 200, { method: 'POST' }, jobSchema)).state, 'queued');
    const viewerToken = await ops.app.withToken('viewer');
    assert.equal((await viewerToken.fetch(`/api/jobs/${ids.dead}/send`, { method: 'POST' })).status, 403);
  });

  it('sends a held image anyway: guardOverride set, requeued, audited job.send-held', async () => {
    assert.match(errorOf(await call(operator, `/api/jobs/${ids.exported}/send-held`, 409, { method: 'POST' })), /only jobs held by the guard/);
    const job = await call(operator, `/api/jobs/${ids.held}/send-held`, 200, { method: 'POST' }, jobSchema);
    assert.deepEqual([job.state, job.guardOverride], ['queued', true]);
    const [row] = await listAudit(ops.db, { action: 'job.send-held', subject: `job:${ids.held}` });
    assert.equal(row?.actor, operator.username);
    assert.equal(JSON.parse(row!.detailJson!).guardClippedFraction, 0.001);
  });

  it('sends an exported job again: deliveries back to pending, job requeued, audited', async () => {
    const body = await call(operator, `/api/jobs/${ids.exported}/send`, 200, { method: 'POST' }) as { job: { state: string }; reset: { destination: string; state: string }[]; reusesDerivedFile: boolean };
    assert.equal(body.job.state, 'queued');
    assert.deepEqual(body.reset.map((r) => [r.destination, r.state]), [['pacs', 'sent']]);
    assert.equal(body.reusesDerivedFile, true);
    const delivery = await ops.db.delivery.findFirstOrThrow({ where: { jobId: ids.exported } });
    assert.deepEqual([delivery.state, delivery.attempts], ['pending', 1]);
    const [row] = await listAudit(ops.db, { action: 'job.send', subject: `job:${ids.exported}` });
    assert.equal(row?.actor, operator.username);
    assert.ok(row?.ip);
    assert.match(errorOf(await call(operator, `/api/jobs/${ids.exported}/send`, 409, { method: 'POST' })), /is queued: only an exported job/);
    assert.match(errorOf(await call(operator, `/api/jobs/${ids.gone}/send`, 409, { method: 'POST' })), /retention deleted both/);
    assert.equal(await claimJob(ops.queue, ids.exported), ids.exported, 'the next claim takes it');
  });

  it('reprocesses with a registry model: a new reprocess job, once per model', async () => {
    const model = await registryModel('sharpxr-candidate', '2.0.0', 'registered');
    assert.equal((await viewer.fetch(`/api/jobs/${ids.held}/reprocess`, { method: 'POST', json: { modelId: model.id } })).status, 403);
    assert.match(errorOf(await call(operator, `/api/jobs/${ids.held}/reprocess`, 400, { method: 'POST', json: {} })), /^modelId: /);
    assert.match(errorOf(await call(operator, `/api/jobs/${ids.held}/reprocess`, 400, { method: 'POST', json: { modelId: model.id, strength: 2 } })), /strength/);
    assert.match(errorOf(await call(operator, `/api/jobs/${ids.held}/reprocess`, 404, { method: 'POST', json: { modelId: 'nope' } })), /^modelId: no model nope/);
    const source = await ops.db.job.findUniqueOrThrow({ where: { id: ids.held } });
    const out = await call(operator, `/api/jobs/${ids.held}/reprocess`, 201, { method: 'POST', json: { modelId: model.id } }) as { job: z.infer<typeof jobSchema> };
    assert.deepEqual(
      [out.job.role, out.job.state, out.job.modelId, out.job.modelVersion, out.job.instanceId, out.job.paramsHash],
      ['reprocess', 'queued', 'sharpxr-candidate', '2.0.0', source.instanceId, MODEL.paramsHash],
    );
    const [row] = await listAudit(ops.db, { action: 'job.reprocess' });
    assert.deepEqual(JSON.parse(row!.detailJson!), { newJob: out.job.id, model: { id: model.id, name: 'sharpxr-candidate', version: '2.0.0' } });
    assert.match(errorOf(await call(operator, `/api/jobs/${ids.held}/reprocess`, 409, { method: 'POST', json: { modelId: model.id } })), /already has a job with sharpxr-candidate 2\.0\.0/);
    const retired = await registryModel('sharpxr-old', '0.1.0', 'retired');
    assert.match(errorOf(await call(operator, `/api/jobs/${ids.held}/reprocess`, 409, { method: 'POST', json: { modelId: retired.id } })), /retired/);
    const fresh = await registryModel('sharpxr-other', '3.0.0', 'registered');
    assert.match(errorOf(await call(operator, `/api/jobs/${ids.gone}/reprocess`, 409, { method: 'POST', json: { modelId: fresh.id } })), /retention deleted the received file/);
  });

  async function registryModel(name: string, version: string, status: string) {
    return ops.db.model.create({ data: {
      name, version, file: join(tmp.dir, `${name}.onnx`), sha256: '0'.repeat(64), sizeBytes: 1, metadataJson: '{}',
      source: 'upload', status, createdAt: new Date(), createdBy: 'test',
    } });
  }
});
