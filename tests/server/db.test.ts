// The node's database: migrations applied by the node itself (fresh file, already-migrated
// file, a new migration, a broken one), Prisma's CLI agreeing with them, the pragmas,
// instance records, the ingest sink, deliveries, and data surviving a reopen and a kill -9.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  createIngestSink, listAudit, migrateDatabase, openDatabase, readMigrations, recordInstance, type Database,
} from '../../server/src/db/index.js';
import type { StoredInstance } from '../../server/src/ingest/types.js';
import { PrismaDeliveryLog, PrismaJobQueue } from '../../server/src/queue/index.js';
import { ROOT, tempDir } from './helpers.js';

const tmp = tempDir('sharpxr-db-');
after(() => tmp.cleanup());
let fileCount = 0;

function freshUrl(): string {
  return `file:${join(tmp.dir, `db-${++fileCount}`, 'sharpxr.db')}`;
}

async function migratedDatabase(): Promise<{ url: string; db: Database }> {
  const url = freshUrl();
  await migrateDatabase(url);
  return { url, db: await openDatabase({ url }) };
}

/** The Prisma CLI, offline (prisma.config.ts gives it the better-sqlite3 adapter). */
function prismaCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const cli = join(ROOT, 'node_modules', 'prisma', 'build', 'index.js');
  return spawnSync(process.execPath, [cli, ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1', ...env },
  });
}

function stored(n: number, overrides: Partial<StoredInstance> = {}): StoredInstance {
  return {
    sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1', sopInstanceUid: `1.2.3.4.${n}`,
    transferSyntaxUid: '1.2.840.10008.1.2.1', studyInstanceUid: '1.2.3.100', seriesInstanceUid: '1.2.3.200',
    modality: 'DX', bodyPartExamined: 'CHEST', viewPosition: 'PA',
    path: `/store/${n}.dcm`, sizeBytes: 1000 + n, callingAeTitle: 'MODALITY', associationId: `a${n}`,
    receivedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)), ...overrides,
  };
}

describe('migrations', () => {
  it('migrate a fresh file, then find nothing to do on the migrated one', async () => {
    const url = freshUrl();
    const names = readMigrations().map((m) => m.name);
    assert.ok(names.length >= 1 && names.every((n) => /^\d{14}_\w+$/.test(n)), `migration folders: ${names.join(', ')}`);
    assert.deepEqual((await migrateDatabase(url)).applied, names);
    assert.deepEqual(await migrateDatabase(url), { applied: [], warnings: [] });
    const db = await openDatabase({ url });
    try {
      const rows = await db.$queryRawUnsafe<{ migration_name: string; checksum: string; finished_at: Date | null }[]>(
        'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name');
      assert.deepEqual(rows.map((r) => r.migration_name), names);
      assert.deepEqual(rows.map((r) => r.checksum), readMigrations().map((m) => m.checksum));
      assert.ok(rows.every((r) => r.finished_at !== null));
      assert.equal(await db.job.count(), 0);
      assert.equal(await db.instance.count(), 0);
    } finally {
      await db.$disconnect();
    }
  });

  it('apply only the new migration to an already-migrated file, and roll back a broken one', async () => {
    const url = freshUrl();
    const dir = join(tmp.dir, 'migrations-copy');
    cpSync(join(ROOT, 'prisma', 'migrations'), dir, { recursive: true });
    await migrateDatabase(url, { migrationsDir: dir });
    mkdirSync(join(dir, '29990101000000_add_note'));
    writeFileSync(join(dir, '29990101000000_add_note', 'migration.sql'), 'ALTER TABLE "Job" ADD COLUMN "note" TEXT;\n');
    assert.deepEqual((await migrateDatabase(url, { migrationsDir: dir })).applied, ['29990101000000_add_note']);
    mkdirSync(join(dir, '29990102000000_broken'));
    writeFileSync(join(dir, '29990102000000_broken', 'migration.sql'), 'CREATE TABLE "Half" ("a" TEXT);\nTHIS IS NOT SQL;\n');
    await assert.rejects(migrateDatabase(url, { migrationsDir: dir }), /29990102000000_broken failed/);
    const db = await openDatabase({ url });
    try {
      const half = await db.$queryRawUnsafe<unknown[]>(`SELECT name FROM sqlite_master WHERE name = 'Half'`);
      assert.equal(half.length, 0, 'the broken migration left a table behind');
      const names = await db.$queryRawUnsafe<{ migration_name: string }[]>('SELECT migration_name FROM "_prisma_migrations"');
      assert.ok(!names.some((r) => r.migration_name.endsWith('_broken')));
      assert.ok(names.some((r) => r.migration_name.endsWith('_add_note')));
    } finally {
      await db.$disconnect();
    }
  });

  it('warn (not fail) when an applied migration changed or is unknown to this build', async () => {
    const url = freshUrl();
    const dir = join(tmp.dir, 'migrations-drift');
    cpSync(join(ROOT, 'prisma', 'migrations'), dir, { recursive: true });
    await migrateDatabase(url, { migrationsDir: dir });
    const first = readMigrations(dir)[0]!;
    writeFileSync(join(dir, first.name, 'migration.sql'), `${first.sql}\n-- edited\n`);
    const report = await migrateDatabase(url, { migrationsDir: dir });
    assert.deepEqual(report.applied, []);
    assert.match(report.warnings.join('\n'), new RegExp(`${first.name} changed after it was applied`));
  });

  it('are what `prisma migrate status` expects (same table, same checksums), offline', async () => {
    const url = freshUrl();
    await migrateDatabase(url);
    const run = prismaCli(['migrate', 'status'], { DATABASE_URL: url });
    assert.equal(run.status, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /Database schema is up to date/);
  });

  it('build exactly the schema in prisma/schema.prisma (no edit without its migration)', () => {
    const run = prismaCli(['migrate', 'diff', '--from-migrations', 'prisma/migrations', '--to-schema-datamodel', 'prisma/schema.prisma', '--exit-code']);
    assert.equal(run.status, 0, `schema and migrations differ (exit ${run.status}); generate a migration (prisma/README.md):\n${run.stdout}${run.stderr}`);
  });

  it('refuse a URL that is not SQLite, naming what is missing', async () => {
    await assert.rejects(migrateDatabase('postgresql://x@localhost/db'), /adapter-pg/);
    await assert.rejects(openDatabase({ url: 'mysql://x' }), /expected file:/);
  });
});

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
      assert.ok(!columns.some((c) => /patient/i.test(c.name)), 'no patient columns');
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

describe('prisma schema', () => {
  it('generates an offline client (engineType client) and has no patient columns', () => {
    const schema = readFileSync(join(ROOT, 'prisma', 'schema.prisma'), 'utf8');
    assert.match(schema, /engineType\s*=\s*"client"/);
    const code = schema.split('\n').filter((line) => !/^\s*\/\//.test(line)).join('\n');
    assert.doesNotMatch(code, /patient/i);
  });
});
