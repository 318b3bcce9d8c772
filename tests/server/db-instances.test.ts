// The node's database in use: the connection's pragmas, data surviving a reopen and a kill -9,
// instance records, the ingest sink, deliveries, and no transaction on the shared connection.
// Migrations and the Prisma schema: db.test.ts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createIngestSink, listAudit, migrateDatabase, openDatabase, recordInstance } from '../../server/src/db/index.js';
import type { StoredInstance } from '../../server/src/ingest/types.js';
import { PrismaDeliveryLog, PrismaJobQueue } from '../../server/src/queue/index.js';
import { dbFiles } from './db-fixture.js';
import { ROOT } from './helpers.js';

const { freshUrl, migratedDatabase } = dbFiles();

function stored(n: number, overrides: Partial<StoredInstance> = {}): StoredInstance {
  return {
    sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1', sopInstanceUid: `1.2.3.4.${n}`,
    transferSyntaxUid: '1.2.840.10008.1.2.1', studyInstanceUid: '1.2.3.100', seriesInstanceUid: '1.2.3.200',
    modality: 'DX', bodyPartExamined: 'CHEST', viewPosition: 'PA',
    path: `/store/${n}.dcm`, sizeBytes: 1000 + n, callingAeTitle: 'MODALITY', associationId: `a${n}`,
    receivedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)), ...overrides,
  };
}

describe('database connection', () => {
  it('uses WAL, synchronous=FULL, a busy timeout and foreign keys', async () => {
    const { db } = await migratedDatabase();
    try {
      const pragma = async (name: string): Promise<unknown> =>
        Object.values((await db.$queryRawUnsafe<Record<string, unknown>[]>(`PRAGMA ${name}`))[0]!)[0];
      assert.equal(String(await pragma('journal_mode')).toLowerCase(), 'wal');
      assert.equal(Number(await pragma('synchronous')), 2, 'synchronous must be FULL (2)');
      assert.equal(Number(await pragma('busy_timeout')), 10_000);
      assert.equal(Number(await pragma('foreign_keys')), 1);
    } finally {
      await db.$disconnect();
    }
  });

  it('keeps the data across close and reopen', async () => {
    const { url, db } = await migratedDatabase();
    const queue = new PrismaJobQueue(db);
    const instance = await recordInstance(db, stored(1), { selected: true });
    const { job } = await queue.enqueue({
      instanceId: instance.id, sopInstanceUid: instance.sopInstanceUid, studyInstanceUid: instance.studyInstanceUid,
      modelId: 'm', modelVersion: '1.0.0', paramsHash: 'h',
    });
    await db.$disconnect();
    const again = await openDatabase({ url });
    try {
      assert.equal((await again.instance.findUniqueOrThrow({ where: { sopInstanceUid: '1.2.3.4.1' } })).path, '/store/1.dcm');
      const reopened = await new PrismaJobQueue(again).get(job.id);
      assert.equal(reopened?.state, 'queued');
      assert.deepEqual(reopened?.createdAt, job.createdAt);
    } finally {
      await again.$disconnect();
    }
  });

  it('keeps every acknowledged instance when the process is killed with SIGKILL', async () => {
    const { url, db } = await migratedDatabase();
    await db.$disconnect();
    const module = join(ROOT, 'server', 'src', 'db', 'index.ts');
    const script = `import { openDatabase, recordInstance } from ${JSON.stringify(module)};
      const db = await openDatabase({ url: process.env.DB_URL });
      for (let n = 0; ; n++) {
        const uid = '9.9.' + n;
        await recordInstance(db, { sopClassUid: '1', sopInstanceUid: uid, transferSyntaxUid: '1', studyInstanceUid: '2',
          seriesInstanceUid: '3', path: '/p/' + n, sizeBytes: n, callingAeTitle: 'A', associationId: 'x', receivedAt: new Date() },
          { selected: false, reason: 'test' });
        process.stdout.write('acked ' + uid + '\\n');
      }`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT, env: { ...process.env, DB_URL: url }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if ((out.match(/acked/g) ?? []).length >= 50 && child.exitCode === null) child.kill('SIGKILL');
      });
      child.on('close', () => resolve());
    });
    const acked = [...out.matchAll(/acked (\S+)\n/g)].map((m) => m[1]!);
    assert.ok(acked.length >= 50, `child acknowledged only ${acked.length} instances`);
    const after = await openDatabase({ url });
    try {
      const present = new Set((await after.instance.findMany({ select: { sopInstanceUid: true } })).map((r) => r.sopInstanceUid));
      const lost = acked.filter((uid) => !present.has(uid));
      assert.deepEqual(lost, [], 'acknowledged instances missing after kill -9');
    } finally {
      await after.$disconnect();
    }
  });
});

describe('instances and the ingest sink', () => {
  it('upsert by SOP Instance UID: a re-send counts, and takes the new path and selection', async () => {
    const { db } = await migratedDatabase();
    try {
      // Read back through Prisma: the raw upsert must write what Prisma reads (dates included).
      const read = (id: string) => db.instance.findUniqueOrThrow({ where: { id } });
      const first = await read((await recordInstance(db, stored(1), { selected: false, reason: 'lateral view' })).id);
      assert.equal(first.receiveCount, 1);
      assert.equal(first.status, 'skipped');
      assert.equal(first.skipReason, 'lateral view');
      const later = new Date(Date.UTC(2026, 0, 2));
      const again = await read((await recordInstance(db, stored(1, { path: '/store/1-again.dcm', receivedAt: later }), { selected: true })).id);
      assert.equal(again.id, first.id);
      assert.equal(again.receiveCount, 2);
      assert.equal(again.path, '/store/1-again.dcm');
      assert.deepEqual(again.receivedAt, later);
      assert.equal(again.status, 'selected');
      assert.equal(again.skipReason, null);
      assert.equal(await db.instance.count(), 1);
      const columns = await db.$queryRawUnsafe<{ name: string }[]>(`SELECT name FROM pragma_table_info('Instance')`);
      // Patient ID is the one patient column (the console's study search); never a name or birth date.
      assert.deepEqual(columns.filter((c) => /patient/i.test(c.name)).map((c) => c.name), ['patientId']);
      assert.ok(!columns.some((c) => /name|birth|sex/i.test(c.name)), 'no patient name, birth date or sex');
    } finally {
      await db.$disconnect();
    }
  });

  it('answer skipped, queued, then duplicate for a re-send', async () => {
    const { db } = await migratedDatabase();
    const queue = new PrismaJobQueue(db);
    const notified: string[] = [];
    const sink = createIngestSink({
      db, queue,
      select: (i) => (i.viewPosition === 'LL' ? { selected: false, reason: 'lateral view' } : { selected: true }),
      job: () => ({ modelId: 'sharpxr', modelVersion: '1.0.0', paramsHash: 'abc' }),
      onQueued: (id) => notified.push(id),
    });
    try {
      assert.deepEqual(await sink.record(stored(1, { viewPosition: 'LL' })), { kind: 'skipped', reason: 'lateral view' });
      const queued = await sink.record(stored(2));
      assert.equal(queued.kind, 'queued');
      const duplicate = await sink.record(stored(2, { path: '/store/2-resent.dcm' }));
      assert.deepEqual(duplicate, { kind: 'duplicate', jobId: queued.kind === 'queued' ? queued.jobId : '' });
      assert.deepEqual(notified, [queued.kind === 'queued' ? queued.jobId : '']);
      assert.equal(await db.job.count(), 1);
      const instance = await db.instance.findUniqueOrThrow({ where: { sopInstanceUid: '1.2.3.4.2' }, include: { jobs: true } });
      assert.equal(instance.receiveCount, 2);
      assert.equal(instance.jobs[0]?.modelId, 'sharpxr');
      // The skipped instance is recorded too, with no job.
      assert.equal((await db.instance.findUniqueOrThrow({ where: { sopInstanceUid: '1.2.3.4.1' } })).status, 'skipped');
    } finally {
      await db.$disconnect();
    }
  });

  it('record deliveries per destination, so a retry re-sends only where it failed', async () => {
    const { db } = await migratedDatabase();
    const queue = new PrismaJobQueue(db);
    const deliveries = new PrismaDeliveryLog(db);
    try {
      const instance = await recordInstance(db, stored(3), { selected: true });
      const { job } = await queue.enqueue({ instanceId: instance.id, sopInstanceUid: instance.sopInstanceUid,
        studyInstanceUid: instance.studyInstanceUid, modelId: 'm', modelVersion: '1', paramsHash: 'h' });
      await deliveries.record(job.id, 'pacs-a', { ok: true, status: 0 });
      await deliveries.record(job.id, 'pacs-b', { ok: false, status: 0xa700, retryable: true, error: 'out of resources' });
      assert.deepEqual([...await deliveries.sentDestinations(job.id)], ['pacs-a']);
      const b = await deliveries.record(job.id, 'pacs-b', { ok: true, status: 0 });
      assert.equal(b.attempts, 2);
      assert.equal(b.state, 'sent');
      assert.equal(b.lastError, null);
      assert.deepEqual([...await deliveries.sentDestinations(job.id)].sort(), ['pacs-a', 'pacs-b']);
      const list = await deliveries.list(job.id);
      assert.deepEqual(list.map((d) => [d.destination, d.attempts, d.lastStatus]), [['pacs-a', 1, 0], ['pacs-b', 2, 0]]);
    } finally {
      await db.$disconnect();
    }
  });

  it('never open a transaction on the shared connection (ingest, queue and delivery paths)', async () => {
    const url = freshUrl();
    await migrateDatabase(url);
    const statements: string[] = [];
    const db = await openDatabase({ url, onQuery: (sql) => statements.push(sql) });
    try {
      const queue = new PrismaJobQueue(db, { maxAttempts: 1 });
      const sink = createIngestSink({ db, queue, select: () => ({ selected: true }), job: () => ({ modelId: 'm', modelVersion: '1', paramsHash: 'h' }) });
      await sink.record(stored(1));
      await sink.record(stored(1));
      await sink.record(stored(2));
      const a = (await queue.claim('w', 60_000))!;
      await queue.heartbeat(a.id, 'w', 60_000);
      await new PrismaDeliveryLog(db).record(a.id, 'pacs', { ok: true, status: 0 });
      await queue.complete(a.id, 'w', { derivedSopInstanceUid: '2.25.1', derivedSeriesInstanceUid: '2.25.2', derivedPath: '/d',
        guardClippedFraction: 0, guardMaxChange: 0.1, guardFlagged: false, held: false, timingsMs: {} });
      const b = (await queue.claim('w', 60_000))!;
      await queue.fail(b.id, 'w', 'boom');
      await queue.retry(b.id, 'tester');
      const c = (await queue.claim('w', 60_000))!;
      await queue.release(c.id, 'w');
      await queue.counts();
      assert.ok(statements.length > 10, 'query events were not captured');
      // The detector sees Prisma's own transactions (updateMany wraps itself in one).
      const probe: string[] = [];
      const probed = await openDatabase({ url, onQuery: (sql) => probe.push(sql) });
      await probed.job.updateMany({ where: { id: 'none' }, data: { lastError: null } });
      await probed.$disconnect();
      assert.ok(probe.some((sql) => /^\s*COMMIT/i.test(sql)), `updateMany issued no visible COMMIT: ${probe.join(' | ')}`);
      const tx = statements.filter((s) => /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT)/i.test(s));
      assert.deepEqual(tx, [], 'a Prisma operation wrapped itself in a transaction');
      assert.equal((await listAudit(db, { action: 'job.retry' })).length, 1);
    } finally {
      await db.$disconnect();
    }
  });
});
