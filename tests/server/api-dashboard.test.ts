// GET /api/dashboard on the real router, auth, queue and database, with instances received by
// storescu and jobs moved through the queue's own calls (claim, complete, fail, retry): the
// hourly buckets hold what the rows say, in the hour the rows say; shadow results are counted
// apart and kept out of processed, guard trips and latencies; dead-letters count when they
// happened even after a retry; the queue, medians, model, disk and the window's bounds.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { HAVE_DCMTK } from '../helpers/dcmtk.js';
import type { Client } from './api-fixture.js';
import { call, claimJob, errorOf, finish, fixtureCopy, jobOf, killJob, MODEL, startOpsApp, type OpsApp } from './api-jobs-fixture.js';
import { tempDir } from './helpers.js';

const point = z.object({ t: z.string(), received: z.number(), processed: z.number(), failed: z.number(), dead: z.number(), shadow: z.number(), guard: z.number() });
const dashboardSchema = z.object({
  hours: z.number(), series: z.array(point), queue: z.record(z.string(), z.number()), guardTrips: z.number(),
  stageLatencyMs: z.record(z.string(), z.number()), latencySamples: z.number(), provider: z.string(),
  model: z.object({ name: z.string(), version: z.string() }),
  disk: z.object({ path: z.string(), usedBytes: z.number(), freeBytes: z.number(), totalBytes: z.number() }),
  totalReceived: z.number(), node: z.object({ aeTitle: z.string(), port: z.number() }).nullable(),
});
type Series = z.infer<typeof point>[];
const HOUR = 3_600_000;
const hourOf = (d: Date): string => new Date(Math.floor(d.getTime() / HOUR) * HOUR).toISOString();
const sum = (s: Series, k: keyof Omit<z.infer<typeof point>, 't'>): number => s.reduce((n, p) => n + p[k], 0);
const TIMINGS = (infer: number, total: number) => ({ readMs: 1, decodeMs: 4, inferMs: infer, exportMs: 8, totalMs: total });

describe('dashboard API', { skip: !HAVE_DCMTK && 'DCMTK is not installed' }, () => {
  const tmp = tempDir('sharpxr-api-dashboard-');
  let ops: OpsApp;
  let viewer: Client;
  const ids: Record<'a' | 'b' | 'c' | 'dead' | 'failed' | 'queued' | 'earlier' | 'yesterday', string> = { a: '', b: '', c: '', dead: '', failed: '', queued: '', earlier: '', yesterday: '' };
  let shadowId = '';

  before(async () => {
    ops = await startOpsApp(tmp.dir);
    viewer = await ops.app.as('viewer');
    const empty = await call(viewer, '/api/dashboard', 200, {}, dashboardSchema);
    assert.equal(empty.totalReceived, 0, 'a new node');
    assert.deepEqual([sum(empty.series, 'received'), empty.latencySamples, empty.guardTrips], [0, 0, 0]);
    assert.deepEqual(empty.stageLatencyMs, {});
    const copies = Object.keys(ids).map(() => fixtureCopy(tmp.dir));
    await ops.send(copies.map((c) => c.path));
    const jobs = await Promise.all(copies.map((c) => jobOf(ops.db, c.sop)));
    (Object.keys(ids) as (keyof typeof ids)[]).forEach((k, i) => (ids[k] = jobs[i]!.id));
    await finish(ops.queue, ids.a, { timingsMs: TIMINGS(40, 60) });
    await finish(ops.queue, ids.b, { guardFlagged: true, timingsMs: TIMINGS(50, 70) });
    await finish(ops.queue, ids.c, { timingsMs: TIMINGS(30, 50) });
    await killJob(ops.queue, ids.dead);
    await ops.queue.fail(await claimJob(ops.queue, ids.failed), 'test-worker', 'ExportError: the PACS refused', { retryable: true });
    // A candidate model's run of a's instance: kept, flagged, and far slower than the rest.
    const a = jobs[0]!;
    const { job: shadow } = await ops.queue.enqueue({ instanceId: a.instanceId, sopInstanceUid: a.sopInstanceUid, studyInstanceUid: a.studyInstanceUid, modelId: 'candidate', modelVersion: '0.9', paramsHash: MODEL.paramsHash, role: 'shadow' });
    shadowId = shadow.id;
    await finish(ops.queue, shadowId, { kept: true, guardFlagged: true, timingsMs: TIMINGS(900, 950) });
    // Two instances that came earlier: three hours ago (in a day's window) and 30 hours ago (not).
    for (const [key, hoursAgo] of [['earlier', 3], ['yesterday', 30]] as const) {
      const job = await ops.db.job.findUniqueOrThrow({ where: { id: ids[key] } });
      await ops.db.instance.update({ where: { id: job.instanceId }, data: { receivedAt: new Date(Date.now() - hoursAgo * HOUR) } });
    }
  });
  after(async () => {
    await ops?.close();
    tmp.cleanup();
  });

  it('needs a login; a viewer and a token read it', async () => {
    assert.equal((await ops.app.anonymous().fetch('/api/dashboard')).status, 401);
    const token = await ops.app.withToken('viewer');
    assert.equal((await call(token, '/api/dashboard?hours=1', 200, {}, dashboardSchema)).hours, 1);
  });

  it('buckets each hour with what the rows say, in the hour they say', async () => {
    const d = await call(viewer, '/api/dashboard', 200, {}, dashboardSchema);
    assert.equal(d.hours, 24);
    assert.equal(d.series.length, 24);
    assert.equal(d.series.at(-1)!.t, hourOf(new Date()), 'the last bucket is this hour');
    d.series.forEach((p, i) => i > 0 && assert.equal(Date.parse(p.t) - Date.parse(d.series[i - 1]!.t), HOUR));
    const expected = await expectedBuckets(d.series[0]!.t);
    for (const p of d.series) {
      const e = expected.get(p.t) ?? {};
      assert.deepEqual([p.received, p.processed, p.failed, p.dead, p.shadow, p.guard], [e.received ?? 0, e.processed ?? 0, e.failed ?? 0, e.dead ?? 0, e.shadow ?? 0, e.guard ?? 0], p.t);
    }
    assert.deepEqual(
      { received: sum(d.series, 'received'), processed: sum(d.series, 'processed'), failed: sum(d.series, 'failed'), dead: sum(d.series, 'dead'), shadow: sum(d.series, 'shadow'), guard: sum(d.series, 'guard') },
      { received: 7, processed: 3, failed: 1, dead: 1, shadow: 1, guard: 1 },
      'the one received 30 hours ago is outside the window; the shadow run is not "processed" and its guard flag is not a trip',
    );
    const earlier = await ops.db.instance.findFirstOrThrow({ where: { jobs: { some: { id: ids.earlier } } } });
    const bucket = d.series.find((p) => p.t === hourOf(earlier.receivedAt));
    assert.ok(bucket && bucket.received >= 1 && bucket !== d.series.at(-1), 'the earlier instance is counted three hours back');
    assert.equal(d.guardTrips, 1);
    assert.equal(d.totalReceived, 8, 'every instance ever, the window aside');
  });

  it('shows the queue by state, medians of the primary jobs, model, provider and disk', async () => {
    const d = await call(viewer, '/api/dashboard', 200, {}, dashboardSchema);
    assert.deepEqual(d.queue, { received: 0, queued: 3, processing: 0, exported: 3, kept: 1, failed: 1, dead: 1 });
    assert.equal(d.latencySamples, 3, 'the shadow job is not among the samples');
    assert.deepEqual(d.stageLatencyMs, { read: 1, decode: 4, infer: 40, export: 8, total: 60 });
    assert.deepEqual([d.provider, d.model], ['cpu', { name: MODEL.modelId, version: MODEL.modelVersion }]);
    assert.equal(d.disk.path, tmp.dir);
    assert.ok(d.disk.totalBytes > 0 && d.disk.usedBytes > 0 && d.disk.freeBytes > 0, JSON.stringify(d.disk));
    assert.ok(d.disk.usedBytes + d.disk.freeBytes <= d.disk.totalBytes, 'used + available never exceed the size');
    assert.equal(d.node, null, 'this fixture names no DICOM address (the node process test sees it)');
  });

  it('keeps a dead-letter in its hour after the job is retried', async () => {
    await ops.queue.retry(ids.dead, 'tester');
    const d = await call(viewer, '/api/dashboard', 200, {}, dashboardSchema);
    assert.equal(d.queue.dead, 0);
    assert.equal(d.queue.queued, 4);
    assert.equal(sum(d.series, 'dead'), 1);
  });

  it('takes a window of 1 to 336 hours; narrower windows drop older rows', async () => {
    const two = await call(viewer, '/api/dashboard?hours=2', 200, {}, dashboardSchema);
    assert.equal(two.series.length, 2);
    assert.equal(sum(two.series, 'received'), 6, 'the instance from three hours ago is outside two hours');
    const fortnight = await call(viewer, '/api/dashboard?hours=336', 200, {}, dashboardSchema);
    assert.equal(fortnight.series.length, 336);
    assert.equal(sum(fortnight.series, 'received'), 8);
    for (const qs of ['hours=0', 'hours=337', 'hours=1.5', 'hours=day', 'days=1']) {
      assert.match(errorOf(await call(viewer, `/api/dashboard?${qs}`, 400)), /hours|days/, qs);
    }
  });

  /** Buckets computed here from the rows themselves (a second reading of the same truth). */
  async function expectedBuckets(startIso: string) {
    const start = new Date(startIso);
    const buckets = new Map<string, Partial<Record<'received' | 'processed' | 'failed' | 'dead' | 'shadow' | 'guard', number>>>();
    const add = (d: Date | null, key: 'received' | 'processed' | 'failed' | 'dead' | 'shadow' | 'guard'): void => {
      if (!d || d < start) return;
      const b = buckets.get(hourOf(d)) ?? {};
      b[key] = (b[key] ?? 0) + 1;
      buckets.set(hourOf(d), b);
    };
    for (const i of await ops.db.instance.findMany()) add(i.receivedAt, 'received');
    for (const j of await ops.db.job.findMany()) {
      if (j.state === 'exported' && j.role !== 'shadow') add(j.finishedAt, 'processed');
      if (j.state === 'kept') add(j.finishedAt, 'shadow');
      if (j.state === 'failed') add(j.updatedAt, 'failed');
      if (j.guardFlagged && j.role !== 'shadow') add(j.finishedAt, 'guard');
    }
    for (const a of await ops.db.auditEvent.findMany({ where: { action: 'job.dead-lettered' } })) add(a.at, 'dead');
    return buckets;
  }
});
