// The node's database: migrations applied by the node itself (fresh file, already-migrated
// file, a new migration, a broken one), Prisma's CLI agreeing with them, and the Prisma schema.
// The pragmas, instance records, the ingest sink, deliveries, and data surviving a reopen and
// a kill -9: db-instances.test.ts.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { migrateDatabase, openDatabase, readMigrations } from '../../server/src/db/index.js';
import { dbFiles } from './db-fixture.js';
import { prismaCli, ROOT } from './helpers.js';

const tmp = dbFiles();
const { freshUrl } = tmp;

/** A fresh database migrated from a private copy of prisma/migrations the test may change. */
async function migratedFromCopy(name: string): Promise<{ url: string; dir: string }> {
  const url = freshUrl();
  const dir = join(tmp.dir, name);
  cpSync(join(ROOT, 'prisma', 'migrations'), dir, { recursive: true });
  await migrateDatabase(url, { migrationsDir: dir });
  return { url, dir };
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
    const { url, dir } = await migratedFromCopy('migrations-copy');
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
    const { url, dir } = await migratedFromCopy('migrations-drift');
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

describe('prisma schema', () => {
  it('generates an offline client (engineType client) and keeps no patient name or birth date', () => {
    const schema = readFileSync(join(ROOT, 'prisma', 'schema.prisma'), 'utf8');
    assert.match(schema, /engineType\s*=\s*"client"/);
    const code = schema.split('\n').filter((line) => !/^\s*\/\//.test(line)).join('\n');
    assert.doesNotMatch(code, /patient(name|birth|sex|age)|birthdate/i);
    // The console searches studies by patient ID (issue 8): the one patient column, on Instance only.
    assert.deepEqual(code.match(/^\s*patient\w*/gim)?.map((s) => s.trim()), ['patientId']);
  });
});
