// The durable job queue on SQLite: idempotent enqueue, claim order, leases (expiry, reclaim,
// guarded outcomes), backoff, dead-lettering (by failures, by lost leases, not retryable),
// operator retry with its audit event, graceful release, listing and counts.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { listAudit, migrateDatabase, openDatabase, recordInstance, type Database } from '../../server/src/db/index.js';
import {
  backoffDelayMs, DEFAULT_BACKOFF, JobStateError, LeaseLostError, PrismaJobQueue,
  type JobResult, type NewJob, type PrismaJobQueueOptions,
} from '../../server/src/queue/index.js';
import { tempDir } from './helpers.js';

const tmp = tempDir('sharpxr-queue-');
const open: Database[] = [];
after(async () => {
  for (const db of open) await db.$disconnect();
  tmp.cleanup();
});

const T0 = Date.UTC(2026, 0, 1, 8, 0, 0);
const RESULT: JobResult = {
  derivedSopInstanceUid: '2.25.11', derivedSeriesInstanceUid: '2.25.22', derivedPath: '/out/x.dcm',
  guardClippedFraction: 0.001, guardMaxChange: 0.25, guardFlagged: false, held: false, timingsMs: { inferMs: 812.5 },
};

/** A migrated database, a queue on a clock the test moves, and a way to make jobs. */
interface Fixture {
  db: Database;
  queue: PrismaJobQueue;
  clock: { t: number; advance(ms: number): void };
  newJob(n: number, overrides?: Partial<NewJob>): Promise<NewJob>;
}

let dbCount = 0;
async function fixture(options: Omit<PrismaJobQueueOptions, 'now'> = {}): Promise<Fixture> {
  const url = `file:${join(tmp.dir, `q${++dbCount}.db`)}`;
  await migrateDatabase(url);
  const db = await openDatabase({ url });
  open.push(db);
  const clock = { t: T0, advance(ms: number) { this.t += ms; } };
  const queue = new PrismaJobQueue(db, { ...options, now: () => new Date(clock.t) });
  async function newJob(n: number, overrides: Partial<NewJob> = {}): Promise<NewJob> {
    const instance = await recordInstance(db, {
      sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1', sopInstanceUid: `1.2.9.${n}`, transferSyntaxUid: '1.2.840.10008.1.2.1',
      studyInstanceUid: '1.2.9.100', seriesInstanceUid: '1.2.9.200', path: `/in/${n}.dcm`, sizeBytes: 10,
      callingAeTitle: 'CR1', associationId: 'a', receivedAt: new Date(clock.t),
    }, { selected: true });
    return {
      instanceId: instance.id, sopInstanceUid: instance.sopInstanceUid, studyInstanceUid: instance.studyInstanceUid,
      modelId: 'sharpxr-product', modelVersion: '1.0.0', paramsHash: 'p1', ...overrides,
    };
  }
  return { db, queue, clock, newJob };
}

describe('enqueue', () => {
  it('is idempotent on (SOP instance, model id, model version, params)', async () => {
    const { queue, newJob } = await fixture();
    const spec = await newJob(1);
    const first = await queue.enqueue(spec);
    assert.equal(first.created, true);
    assert.equal(first.job.state, 'queued');
    assert.equal(first.job.attempts, 0);
    assert.equal(first.job.maxAttempts, 5);
    const again = await queue.enqueue(spec);
    assert.deepEqual({ created: again.created, id: again.job.id }, { created: false, id: first.job.id });
    const otherParams = await queue.enqueue({ ...spec, paramsHash: 'p2' });
    const otherVersion = await queue.enqueue({ ...spec, modelVersion: '1.1.0' });
    assert.ok(otherParams.created && otherVersion.created);
    assert.equal(new Set([first.job.id, otherParams.job.id, otherVersion.job.id]).size, 3);
    assert.equal((await queue.counts()).queued, 3);
  });

  it('is idempotent under concurrent enqueues of the same key', async () => {
    const { queue, newJob } = await fixture();
    const spec = await newJob(1);
    const results = await Promise.all(Array.from({ length: 8 }, () => queue.enqueue(spec)));
    assert.equal(results.filter((r) => r.created).length, 1);
    assert.equal(new Set(results.map((r) => r.job.id)).size, 1);
  });
});

describe('claim', () => {
  it('takes the oldest due job first, counts the attempt, and returns null when nothing is due', async () => {
    const { queue, clock, newJob } = await fixture();
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      ids.push((await queue.enqueue(await newJob(n))).job.id);
      clock.advance(1000);
    }
    const claimed = [];
    for (let i = 0; i < 3; i++) claimed.push(await queue.claim('w1', 60_000));
    assert.deepEqual(claimed.map((j) => j?.id), ids);
    const first = claimed[0]!;
    assert.equal(first.state, 'processing');
    assert.equal(first.attempts, 1);
    assert.equal(first.leaseOwner, 'w1');
    assert.deepEqual(first.leaseExpiresAt, new Date(clock.t + 60_000));
    assert.equal(await queue.claim('w1', 60_000), null);
  });

  it('waits for a failed job\'s backoff to pass, while newer due jobs go first', async () => {
    const { queue, clock, newJob } = await fixture({ random: () => 0.5 });
    const a = (await queue.enqueue(await newJob(1))).job;
    await queue.claim('w', 60_000);
    const failed = await queue.fail(a.id, 'w', 'PACS busy');
    assert.equal(failed.state, 'failed');
    assert.deepEqual(failed.nextRunAt, new Date(clock.t + DEFAULT_BACKOFF.baseMs));
    const b = (await queue.enqueue(await newJob(2))).job;
    assert.equal((await queue.claim('w', 60_000))?.id, b.id);
    assert.equal(await queue.claim('w', 60_000), null, 'the failed job is not due yet');
    clock.advance(DEFAULT_BACKOFF.baseMs);
    const again = await queue.claim('w', 60_000);
    assert.equal(again?.id, a.id);
    assert.equal(again?.attempts, 2);
    assert.equal(again?.lastError, 'PACS busy');
  });
});

describe('leases', () => {
  it('make a job whose worker died claimable again after expiry, counting the attempt', async () => {
    const { queue, clock, newJob } = await fixture();
    const job = (await queue.enqueue(await newJob(1))).job;
    await queue.claim('dead-worker', 1_000);
    clock.advance(999);
    assert.equal(await queue.claim('w2', 1_000), null, 'lease still valid');
    clock.advance(1);
    const reclaimed = await queue.claim('w2', 1_000);
    assert.equal(reclaimed?.id, job.id);
    assert.equal(reclaimed?.leaseOwner, 'w2');
    assert.equal(reclaimed?.attempts, 2);
  });

  it('reject the outcome of a worker that lost its lease, and keep the new owner\'s', async () => {
    const { queue, clock, newJob } = await fixture();
    const job = (await queue.enqueue(await newJob(1))).job;
    await queue.claim('slow', 1_000);
    clock.advance(5_000);
    await queue.claim('fast', 60_000);
    assert.equal(await queue.heartbeat(job.id, 'slow', 1_000), false);
    await assert.rejects(queue.complete(job.id, 'slow', RESULT), LeaseLostError);
    await assert.rejects(queue.fail(job.id, 'slow', 'late failure'), LeaseLostError);
    await assert.rejects(queue.release(job.id, 'slow'), LeaseLostError);
    assert.equal((await queue.get(job.id))?.leaseOwner, 'fast');
    await queue.complete(job.id, 'fast', { ...RESULT, derivedPath: '/out/fast.dcm' });
    await assert.rejects(queue.complete(job.id, 'fast', RESULT), LeaseLostError, 'a second complete is rejected too');
    const done = await queue.get(job.id);
    assert.equal(done?.state, 'exported');
    assert.equal(done?.leaseOwner, null);
    assert.equal(done?.lastError, null);
  });

  it('are extended by heartbeats', async () => {
    const { queue, clock, newJob } = await fixture();
    const job = (await queue.enqueue(await newJob(1))).job;
    await queue.claim('w', 1_000);
    clock.advance(900);
    assert.equal(await queue.heartbeat(job.id, 'w', 1_000), true);
    clock.advance(900);
    assert.equal(await queue.claim('other', 1_000), null, 'the heartbeat kept the lease');
    assert.deepEqual((await queue.get(job.id))?.leaseExpiresAt, new Date(T0 + 1_900));
  });

  it('dead-letter a job whose worker dies on every attempt (poison instance)', async () => {
    const { db, queue, clock, newJob } = await fixture({ maxAttempts: 2 });
    const job = (await queue.enqueue(await newJob(1))).job;
    assert.equal((await queue.claim('w1', 1_000))?.attempts, 1);
    clock.advance(1_000);
    assert.equal((await queue.claim('w2', 1_000))?.attempts, 2);
    clock.advance(1_000);
    assert.equal(await queue.claim('w3', 1_000), null);
    const dead = await queue.get(job.id);
    assert.equal(dead?.state, 'dead');
    assert.match(dead?.lastError ?? '', /lease expired on attempt 2 of 2.*w2/);
    const audit = await listAudit(db, { subject: `job:${job.id}` });
    assert.deepEqual(audit.map((e) => [e.actor, e.action]), [['system', 'job.dead-lettered']]);
    assert.equal(JSON.parse(audit[0]!.detailJson ?? '{}').reason, 'lease expired');
  });
});

describe('completion and failure', () => {
  it('complete records the result', async () => {
    const { db, queue, clock, newJob } = await fixture();
    const job = (await queue.enqueue(await newJob(1))).job;
    await queue.claim('w', 60_000);
    clock.advance(2_000);
    await queue.complete(job.id, 'w', { ...RESULT, guardFlagged: true, held: true });
    const row = await db.job.findUniqueOrThrow({ where: { id: job.id } });
    assert.equal(row.state, 'exported');
    assert.equal(row.derivedSopInstanceUid, '2.25.11');
    assert.equal(row.derivedPath, '/out/x.dcm');
    assert.equal(row.guardClippedFraction, 0.001);
    assert.equal(row.guardFlagged, true);
    assert.equal(row.held, true);
    assert.deepEqual(JSON.parse(row.timingsJson ?? ''), { inferMs: 812.5 });
    assert.deepEqual(row.finishedAt, new Date(clock.t));
  });

  it('backs off exponentially, capped, within the jitter bounds', () => {
    const mid = (attempt: number): number => backoffDelayMs(attempt, DEFAULT_BACKOFF, () => 0.5);
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(mid), [5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000, 600_000]);
    assert.equal(mid(1000), 600_000, 'huge attempt numbers stay capped');
    assert.equal(backoffDelayMs(1, DEFAULT_BACKOFF, () => 0), 4_500);
    assert.equal(backoffDelayMs(9, DEFAULT_BACKOFF, () => 0.999999), 660_000);
    let seed = 7;
    const lcg = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let attempt = 1; attempt <= 12; attempt++) {
      const capped = Math.min(600_000, 5_000 * 2 ** (attempt - 1));
      for (let i = 0; i < 50; i++) {
        const d = backoffDelayMs(attempt, DEFAULT_BACKOFF, lcg);
        assert.ok(d >= capped * 0.9 && d <= capped * 1.1, `attempt ${attempt}: ${d} outside ±10% of ${capped}`);
      }
    }
    const custom = { baseMs: 100, factor: 3, maxMs: 1_000, jitter: 0 };
    assert.deepEqual([1, 2, 3, 4].map((a) => backoffDelayMs(a, custom)), [100, 300, 900, 1_000]);
  });

  it('schedules each retry with the backoff, then dead-letters after maxAttempts', async () => {
    const { db, queue, clock, newJob } = await fixture({ maxAttempts: 3, backoff: { baseMs: 1_000 }, random: () => 0 });
    const job = (await queue.enqueue(await newJob(1))).job;
    const delays: number[] = [];
    let last;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const claimed = await queue.claim('w', 60_000);
      assert.equal(claimed?.attempts, attempt);
      last = await queue.fail(job.id, 'w', `error ${attempt}`);
      delays.push(last.nextRunAt.getTime() - clock.t);
      clock.advance(60_000);
    }
    assert.equal(last?.state, 'dead');
    assert.deepEqual(delays.slice(0, 2), [900, 1_800], 'base 1 s, factor 2, jitter -10%');
    assert.equal(last?.lastError, 'error 3');
    assert.equal(await queue.claim('w', 60_000), null, 'dead jobs are never claimed');
    const audit = await listAudit(db, { subject: `job:${job.id}` });
    assert.deepEqual(audit.map((e) => [e.actor, e.action]), [['w', 'job.dead-lettered']]);
    assert.equal(JSON.parse(audit[0]!.detailJson ?? '{}').reason, 'attempts exhausted');
  });

  it('sends a non-retryable failure straight to dead', async () => {
    const { db, queue, newJob } = await fixture();
    const job = (await queue.enqueue(await newJob(1))).job;
    await queue.claim('w', 60_000);
    const dead = await queue.fail(job.id, 'w', 'unsupported transfer syntax', { retryable: false });
    assert.equal(dead.state, 'dead');
    assert.equal(dead.attempts, 1);
    assert.equal(dead.leaseOwner, null);
    assert.equal(JSON.parse((await listAudit(db, { subject: `job:${job.id}` }))[0]?.detailJson ?? '{}').reason, 'not retryable');
  });

  it('keeps long error texts bounded', async () => {
    const { queue, newJob } = await fixture();
    const job = (await queue.enqueue(await newJob(1))).job;
    await queue.claim('w', 60_000);
    const failed = await queue.fail(job.id, 'w', 'x'.repeat(100_000));
    assert.ok((failed.lastError ?? '').length <= 4001);
  });
});

describe('retry and release', () => {
  it('retry moves a dead job back to queued with attempts reset, and audits who did it', async () => {
    const { db, queue, clock, newJob } = await fixture();
    const job = (await queue.enqueue(await newJob(1))).job;
    await queue.claim('w', 60_000);
    await queue.fail(job.id, 'w', 'bad pixel data', { retryable: false });
    clock.advance(3_600_000);
    const retried = await queue.retry(job.id, 'alice');
    assert.equal(retried.state, 'queued');
    assert.equal(retried.attempts, 0);
    assert.deepEqual(retried.nextRunAt, new Date(clock.t));
    assert.equal((await queue.claim('w', 60_000))?.id, job.id);
    const events = await listAudit(db, { subject: `job:${job.id}` });
    assert.deepEqual(events.map((e) => [e.actor, e.action]), [['alice', 'job.retry'], ['w', 'job.dead-lettered']]);
    assert.deepEqual(JSON.parse(events[0]!.detailJson ?? '{}'), { from: 'dead', attempts: 1, lastError: 'bad pixel data' });
  });

  it('retry refuses jobs that are not dead or failed', async () => {
    const { queue, newJob } = await fixture();
    const job = (await queue.enqueue(await newJob(1))).job;
    await assert.rejects(queue.retry(job.id), JobStateError);
    await queue.claim('w', 60_000);
    await assert.rejects(queue.retry(job.id), /processing/);
    await assert.rejects(queue.retry('no-such-job'), JobStateError);
  });

  it('sendHeld queues a guard-held job again with the override, audited; other jobs are refused', async () => {
    const { db, queue, clock, newJob } = await fixture();
    const held = (await queue.enqueue(await newJob(1))).job;
    const sent = (await queue.enqueue(await newJob(2))).job;
    await queue.claim('w', 60_000);
    await queue.complete(held.id, 'w', { ...RESULT, guardFlagged: true, held: true });
    await queue.claim('w', 60_000);
    await queue.complete(sent.id, 'w', RESULT);
    assert.equal((await queue.get(held.id))?.held, true);
    await assert.rejects(queue.sendHeld(sent.id), /only jobs held by the guard/);
    clock.advance(1_000);
    const again = await queue.sendHeld(held.id, 'dr-who');
    assert.equal(again.state, 'queued');
    assert.equal(again.guardOverride, true);
    assert.equal(again.attempts, 0);
    assert.equal((await queue.claim('w', 60_000))?.guardOverride, true);
    await assert.rejects(queue.sendHeld(held.id), /processing/);
    const events = await listAudit(db, { subject: `job:${held.id}` });
    assert.deepEqual(events.map((e) => [e.actor, e.action]), [['dr-who', 'job.send-held']]);
  });

  it('release gives a claimed job back without counting the attempt', async () => {
    const { queue, newJob } = await fixture();
    const job = (await queue.enqueue(await newJob(1))).job;
    await queue.claim('w1', 60_000);
    await assert.rejects(queue.release(job.id, 'w2'), LeaseLostError, 'only the owner releases');
    await queue.release(job.id, 'w1');
    const released = await queue.get(job.id);
    assert.equal(released?.state, 'queued');
    assert.equal(released?.attempts, 0);
    assert.equal(released?.leaseOwner, null);
    const next = await queue.claim('w2', 60_000);
    assert.equal(next?.id, job.id, 'claimable at once, no lease wait');
    assert.equal(next?.attempts, 1);
  });
});

describe('list and counts', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await fixture();
  });

  it('count every state (zeros included) and list by state, newest first', async () => {
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      ids.push((await f.queue.enqueue(await f.newJob(n))).job.id);
      f.clock.advance(10);
    }
    const a = await f.queue.claim('w', 60_000);
    await f.queue.fail(a!.id, 'w', 'x', { retryable: false });
    await f.queue.claim('w', 60_000);
    assert.deepEqual(await f.queue.counts(), { received: 0, queued: 1, processing: 1, exported: 0, failed: 0, dead: 1 });
    assert.deepEqual((await f.queue.list()).map((j) => j.id), [...ids].reverse());
    assert.deepEqual((await f.queue.list({ state: 'dead' })).map((j) => j.id), [ids[0]]);
    assert.equal((await f.queue.list({ limit: 1 })).length, 1);
    assert.equal(await f.queue.get('missing'), null);
  });
});
