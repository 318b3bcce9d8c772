// The durable job queue on SQLite, after a claim: completion, backoff, dead-lettering (by
// failures, not retryable), operator retry and send-held with their audit events, and graceful
// release. Enqueue, claim, leases, listing and counts: queue.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listAudit } from '../../server/src/db/index.js';
import { backoffDelayMs, DEFAULT_BACKOFF, JobStateError, LeaseLostError } from '../../server/src/queue/index.js';
import { RESULT, queueFixtures } from './queue-fixture.js';

const fixture = queueFixtures();

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

  it('an outage failure gives the attempt back, backs off by its own step, and keeps the derived object', async () => {
    const { queue, clock, newJob } = await fixture({ maxAttempts: 2, backoff: { baseMs: 1_000, maxMs: 8_000 }, random: () => 0.5 });
    const job = (await queue.enqueue(await newJob(1))).job;
    const derived = { path: '/d/x.dcm', sopInstanceUid: '2.25.5', seriesInstanceUid: '2.25.6', guardClippedFraction: 0.02, guardMaxChange: 3, guardFlagged: false };
    const delays: number[] = [];
    for (let failures = 1; failures <= 6; failures++) {
      const claimed = await queue.claim('w', 60_000);
      assert.equal(claimed?.attempts, 1, 'never more than one attempt used');
      if (failures > 1) assert.deepEqual(claimed?.derived, derived, 'the next attempt finds the derived object');
      const after = await queue.fail(job.id, 'w', 'pacs: ECONNREFUSED', { keepAttempt: true, backoffStep: failures, derived });
      assert.equal(after.state, 'failed');
      assert.equal(after.attempts, 0);
      delays.push(after.nextRunAt.getTime() - clock.t);
      clock.advance(60_000);
    }
    assert.deepEqual(delays, [1_000, 2_000, 4_000, 8_000, 8_000, 8_000], 'by delivery failures, capped');
    // A manual retry drops the derived object: whatever was fixed must apply.
    await queue.claim('w', 60_000);
    await queue.fail(job.id, 'w', 'refused', { retryable: false });
    assert.equal((await queue.retry(job.id)).derived, null);
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
