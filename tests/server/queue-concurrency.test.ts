// Claiming under contention on one SQLite file: two PrismaClients in this process, then
// three worker processes at once; every job must be claimed exactly once. Also measures the
// cost of a claim + complete, with a short and with a deep queue.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrateDatabase, openDatabase, recordInstance, type Database as Db } from '../../server/src/db/index.js';
import { PrismaJobQueue, type JobResult } from '../../server/src/queue/index.js';
import { ROOT, tempDir } from './helpers.js';

const tmp = tempDir('sharpxr-queue-conc-');
after(() => tmp.cleanup());

const RESULT: JobResult = {
  derivedSopInstanceUid: '2.25.1', derivedSeriesInstanceUid: '2.25.2', derivedPath: '/out/x.dcm',
  guardClippedFraction: 0, guardMaxChange: 0, guardFlagged: false, held: false, timingsMs: {},
};

let count = 0;
async function queueWithJobs(jobs: number): Promise<{ url: string; db: Db; ids: string[] }> {
  const url = `file:${join(tmp.dir, `c${++count}.db`)}`;
  await migrateDatabase(url);
  const db = await openDatabase({ url });
  const queue = new PrismaJobQueue(db);
  const ids: string[] = [];
  for (let n = 0; n < jobs; n++) {
    const instance = await recordInstance(db, {
      sopClassUid: '1', sopInstanceUid: `1.2.${n}`, transferSyntaxUid: '1', studyInstanceUid: '2', seriesInstanceUid: '3',
      path: `/in/${n}`, sizeBytes: 1, callingAeTitle: 'A', associationId: 'x', receivedAt: new Date(),
    }, { selected: true });
    const { job } = await queue.enqueue({ instanceId: instance.id, sopInstanceUid: instance.sopInstanceUid,
      studyInstanceUid: '2', modelId: 'm', modelVersion: '1', paramsHash: 'h' });
    ids.push(job.id);
  }
  return { url, db, ids };
}

/** Claims and completes until the queue is empty; returns the ids it got. */
async function drain(queue: PrismaJobQueue, worker: string): Promise<string[]> {
  const got: string[] = [];
  for (let job = await queue.claim(worker, 60_000); job; job = await queue.claim(worker, 60_000)) {
    got.push(job.id);
    await queue.complete(job.id, worker, RESULT);
  }
  return got;
}

function assertEachOnce(claims: readonly string[][], ids: readonly string[]): void {
  const all = claims.flat();
  const seen = new Map<string, number>();
  for (const id of all) seen.set(id, (seen.get(id) ?? 0) + 1);
  const twice = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  assert.deepEqual(twice, [], 'jobs claimed more than once');
  assert.deepEqual([...seen.keys()].sort(), [...ids].sort(), 'every job claimed');
}

describe('concurrent claims on one SQLite file', () => {
  it('two PrismaClients in one process claim each job exactly once', async () => {
    const { url, db, ids } = await queueWithJobs(200);
    const other = await openDatabase({ url });
    try {
      const claims = await Promise.all([
        drain(new PrismaJobQueue(db), 'a1'), drain(new PrismaJobQueue(db), 'a2'),
        drain(new PrismaJobQueue(other), 'b1'), drain(new PrismaJobQueue(other), 'b2'),
      ]);
      assertEachOnce(claims, ids);
      assert.ok(claims.filter((c) => c.length > 0).length >= 2, `one worker took everything: ${claims.map((c) => c.length)}`);
      assert.equal((await new PrismaJobQueue(other).counts()).exported, ids.length);
    } finally {
      await other.$disconnect();
      await db.$disconnect();
    }
  });

  it('three worker processes claim each job exactly once', async (t) => {
    const { url, db, ids } = await queueWithJobs(300);
    await db.$disconnect();
    const children = ['p1', 'p2', 'p3'].map((worker) => claimInChild(url, worker));
    await Promise.all(children.map((c) => c.ready)); // all connected before the first claim
    for (const c of children) c.go();
    const claims = await Promise.all(children.map((c) => c.done));
    t.diagnostic(`jobs per process: ${claims.map((c) => c.length).join(', ')}`);
    assertEachOnce(claims, ids);
    assert.ok(claims.filter((c) => c.length > 0).length >= 2, `no contention happened: ${claims.map((c) => c.length)}`);
    const check = await openDatabase({ url });
    try {
      assert.equal(await check.job.count({ where: { state: 'exported' } }), ids.length);
    } finally {
      await check.$disconnect();
    }
  });
});

/** A worker process draining the queue: says "ready" once connected, starts on "go". */
function claimInChild(url: string, worker: string): { ready: Promise<void>; go: () => void; done: Promise<string[]> } {
  const db = join(ROOT, 'server', 'src', 'db', 'index.ts');
  const queue = join(ROOT, 'server', 'src', 'queue', 'index.ts');
  const script = `import { openDatabase } from ${JSON.stringify(db)};
    import { PrismaJobQueue } from ${JSON.stringify(queue)};
    const db = await openDatabase({ url: process.env.DB_URL });
    const queue = new PrismaJobQueue(db);
    const result = ${JSON.stringify(RESULT)};
    await queue.counts();
    process.stdout.write('ready\\n');
    await new Promise((r) => process.stdin.once('data', r));
    for (let job = await queue.claim(process.env.WORKER, 60000); job; job = await queue.claim(process.env.WORKER, 60000)) {
      process.stdout.write('claimed ' + job.id + '\\n');
      await queue.complete(job.id, process.env.WORKER, result);
    }
    await db.$disconnect();
    process.stdin.destroy();`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT, env: { ...process.env, DB_URL: url, WORKER: worker },
  });
  let out = '';
  let err = '';
  let signalReady: () => void = () => {};
  const ready = new Promise<void>((r) => (signalReady = r));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.startsWith('ready\n')) signalReady();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<string[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      signalReady();
      if (code !== 0) reject(new Error(`worker ${worker} exited ${code}: ${err}`));
      else resolve([...out.matchAll(/claimed (\S+)\n/g)].map((m) => m[1]!));
    });
  });
  return { ready, go: () => child.stdin.write('go\n'), done };
}

describe('claim cost', () => {
  it('claim + complete takes a few milliseconds, also with a deep queue', async (t) => {
    const { url, db } = await queueWithJobs(200);
    try {
      const queue = new PrismaJobQueue(db);
      const started = performance.now();
      const done = await drain(queue, 'w');
      const shallowMs = (performance.now() - started) / done.length;
      seedQueuedJobs(url, 5_000);
      const deepStarted = performance.now();
      for (let i = 0; i < 100; i++) {
        const job = await queue.claim('w', 60_000);
        assert.ok(job);
        await queue.complete(job.id, 'w', RESULT);
      }
      const deepMs = (performance.now() - deepStarted) / 100;
      t.diagnostic(`claim+complete: ${shallowMs.toFixed(2)} ms (200 queued), ${deepMs.toFixed(2)} ms (5000 queued); synchronous=FULL`);
      assert.ok(shallowMs < 100 && deepMs < 100, `too slow: ${shallowMs.toFixed(1)} / ${deepMs.toFixed(1)} ms`);
    } finally {
      await db.$disconnect();
    }
  });
});

/** Bulk rows straight through better-sqlite3 in one transaction: test setup only. */
function seedQueuedJobs(url: string, n: number): void {
  const sqlite = new Database(url.slice('file:'.length));
  const at = new Date().toISOString().replace('Z', '+00:00');
  const instance = sqlite.prepare(`INSERT INTO "Instance" (id, sopInstanceUid, sopClassUid, transferSyntaxUid, studyInstanceUid,
    seriesInstanceUid, path, sizeBytes, callingAeTitle, associationId, receivedAt, status) VALUES (?, ?, '1', '1', '2', '3', '/p', 1, 'A', 'x', ?, 'selected')`);
  const job = sqlite.prepare(`INSERT INTO "Job" (id, instanceId, sopInstanceUid, studyInstanceUid, modelId, modelVersion, paramsHash,
    state, maxAttempts, nextRunAt, createdAt, updatedAt) VALUES (?, ?, ?, '2', 'm', '1', 'h', 'queued', 5, ?, ?, ?)`);
  sqlite.transaction(() => {
    for (let i = 0; i < n; i++) {
      instance.run(`seed-i${i}`, `9.9.${i}`, at);
      job.run(`seed-j${i}`, `seed-i${i}`, `9.9.${i}`, at, at, at);
    }
  })();
  sqlite.close();
}
