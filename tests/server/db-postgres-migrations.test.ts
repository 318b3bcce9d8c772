// Both providers' migrations kept in step (issue 10): prisma/postgresql/schema.prisma is derived
// from prisma/schema.prisma and current; the PostgreSQL migrations, applied on a real
// PostgreSQL 15, give what the derived schema says (migrate diff --from-empty applied beside
// them) and the same tables, columns, nullability and indexes as the SQLite migrations give
// on SQLite.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrateSqlite } from '../../server/src/db/sqlite.js';
import { readMigrations } from '../../server/src/db/migrations.js';
import { derivePostgresSchema, POSTGRES_MIGRATIONS, POSTGRES_SCHEMA, SQLITE_SCHEMA } from '../../prisma/derive-postgresql.js';
import { prismaCli, tempDir } from './helpers.js';
import { startPostgres, type TestPostgres } from './postgres-fixture.js';

/** table -> sorted "column:null|notnull"; plus the index names (primary keys aside). */
interface Catalog { readonly tables: Record<string, string[]>; readonly indexes: string[] }

function sqliteCatalog(file: string): Catalog {
  const db = new Database(file, { readonly: true });
  try {
    const names = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations'`).all() as { name: string }[];
    const tables: Record<string, string[]> = {};
    for (const { name } of names) {
      const cols = db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string; notnull: number; pk: number }[];
      tables[name] = cols.map((c) => `${c.name}:${c.notnull || c.pk ? 'notnull' : 'null'}`).sort();
    }
    const indexes = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'`).all() as { name: string }[]).map((r) => r.name).sort();
    return { tables, indexes };
  } finally {
    db.close();
  }
}

async function postgresCatalog(pg: TestPostgres, database: string): Promise<Catalog> {
  const cols = await pg.query<{ table_name: string; column_name: string; is_nullable: string }>(database,
    `SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`);
  const tables: Record<string, string[]> = {};
  for (const c of cols) (tables[c.table_name] ??= []).push(`${c.column_name}:${c.is_nullable === 'YES' ? 'null' : 'notnull'}`);
  for (const t of Object.values(tables)) t.sort();
  const indexes = (await pg.query<{ indexname: string }>(database,
    `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%\\_pkey'`)).map((r) => r.indexname).sort();
  return { tables, indexes };
}

function fromEmptyScript(): string {
  const run = prismaCli(['migrate', 'diff', '--from-empty', '--to-schema-datamodel', POSTGRES_SCHEMA, '--script']);
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

describe('PostgreSQL schema and migrations, in step with SQLite', () => {
  const tmp = tempDir('sharpxr-pgmig-');
  let pg: TestPostgres;
  before(async () => { pg = await startPostgres(); });
  after(async () => {
    await pg?.stop();
    tmp.cleanup();
  });

  it('derives prisma/postgresql/schema.prisma from prisma/schema.prisma (run prisma/derive-postgresql.ts after an edit)', () => {
    assert.equal(readFileSync(POSTGRES_SCHEMA, 'utf8'), derivePostgresSchema(readFileSync(SQLITE_SCHEMA, 'utf8')));
  });

  it('the PostgreSQL migrations give what its schema says and the same tables as SQLite', async () => {
    await pg.createDatabase('migrated');
    const migrations = readMigrations(POSTGRES_MIGRATIONS);
    assert.ok(migrations.length >= 1);
    for (const m of migrations) await pg.query('migrated', m.sql);
    await pg.createDatabase('expected');
    await pg.query('expected', fromEmptyScript());
    const migrated = await postgresCatalog(pg, 'migrated');
    assert.deepEqual(migrated, await postgresCatalog(pg, 'expected'),
      'PostgreSQL migrations and prisma/postgresql/schema.prisma differ: generate a migration (prisma/README.md)');

    const file = join(tmp.dir, 'sqlite.db');
    migrateSqlite(`file:${file}`, readMigrations());
    const sqlite = sqliteCatalog(file);
    assert.deepEqual(Object.keys(migrated.tables).sort(), Object.keys(sqlite.tables).sort());
    assert.deepEqual(migrated, { tables: Object.fromEntries(Object.keys(migrated.tables).map((t) => [t, sqlite.tables[t]!])), indexes: sqlite.indexes });
  });
});
