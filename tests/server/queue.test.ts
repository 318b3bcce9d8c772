// The durable job queue on SQLite: idempotent enqueue, claim order, leases (expiry, reclaim,
// guarded outcomes, dead-lettering by lost leases), listing and counts. Completion, backoff,
// dead-lettering by failures, operator retry and release: queue-retry.test.ts.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { listAudit } from '../../server/src/db/index.js';
import { DEFAULT_BACKOFF, LeaseLostError } from '../../server/src/queue/index.js';
import { RESULT, T0, queueFixtures, type Fixture } from './queue-fixture.js';

const fixture = queueFixtures();

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
    assert.deepEqual(await f.queue.counts(), { received: 0, queued: 1, processing: 1, exported: 0, kept: 0, failed: 0, dead: 1 });
    assert.deepEqual((await f.queue.list()).map((j) => j.id), [...ids].reverse());
    assert.deepEqual((await f.queue.list({ state: 'dead' })).map((j) => j.id), [ids[0]]);
    assert.equal((await f.queue.list({ limit: 1 })).length, 1);
    assert.equal(await f.queue.get('missing'), null);
  });
});
