// Everything SQLite-specific lives here: the pragmas every connection gets, and the
// migration runner for the embedded database. The rest of server/src/db and the queue use
// only Prisma's typed API and portable SQL, so a PostgreSQL backend (@prisma/adapter-pg)
// replaces this file rather than edits all of them.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import Database from 'better-sqlite3';
import type { Migration } from './migrations.js';

/** How long a statement waits for another connection's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 10_000;

/**
 * WAL lets readers (the admin console, metrics) run beside the single writer. better-sqlite3
 * is compiled with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1 (NORMAL), which can lose the last
 * commits on power loss: FULL fsyncs the WAL at every commit, so an instance acknowledged to
 * the sender (its row committed before the C-STORE response) survives kill -9 and power cuts.
 * Foreign keys are off by default in SQLite; Prisma's schema relies on them.
 */
export const SQLITE_PRAGMAS = [
  'PRAGMA journal_mode = WAL',
  'PRAGMA synchronous = FULL',
  `PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`,
  'PRAGMA foreign_keys = ON',
] as const;

/** `file:/abs/path.db` (or `file:relative.db`) -> the file path; anything else throws. */
export function sqlitePath(url: string): string {
  if (!url.startsWith('file:')) throw new Error(`not a SQLite URL (expected file:<path>): ${url}`);
  const path = url.slice('file:'.length);
  if (path === '' || path.includes('?')) throw new Error(`unsupported SQLite URL: ${url}`);
  return path;
}

/**
 * The better-sqlite3 adapter factory, applying the pragmas on every connection it opens
 * (pragmas other than journal_mode are per connection, so setting them once after
 * PrismaClient.$connect would miss a reconnect).
 */
export class PragmaSqliteAdapter extends PrismaBetterSQLite3 {
  constructor(url: string) {
    const path = sqlitePath(url);
    mkdirSync(dirname(path), { recursive: true });
    super({ url: path, timeout: BUSY_TIMEOUT_MS });
  }

  override async connect(): ReturnType<PrismaBetterSQLite3['connect']> {
    const adapter = await super.connect();
    await adapter.executeScript(SQLITE_PRAGMAS.join(';\n'));
    return adapter;
  }
}

/** Prisma's own bookkeeping table, verbatim, so `prisma migrate status|deploy` agree with us. */
const PRISMA_MIGRATIONS_DDL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: string | null;
  rolled_back_at: string | null;
}

export interface MigrationReport {
  /** Migrations applied by this call, in order. */
  readonly applied: string[];
  /** Not fatal: an applied migration whose file changed since, or one this build does not know. */
  readonly warnings: string[];
}

/** Prisma writes timestamps as ISO 8601 with an explicit +00:00 offset. */
function prismaTimestamp(d: Date): string {
  return d.toISOString().replace('Z', '+00:00');
}

/**
 * Applies pending migrations to a SQLite file, each in its own BEGIN IMMEDIATE transaction.
 * IMMEDIATE takes the write lock before re-reading `_prisma_migrations`, so two processes
 * starting at once on the same file apply each migration exactly once.
 */
export function migrateSqlite(url: string, migrations: readonly Migration[], now: () => Date = () => new Date()): MigrationReport {
  const path = sqlitePath(url);
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    for (const pragma of SQLITE_PRAGMAS) db.exec(pragma);
    db.exec(PRISMA_MIGRATIONS_DDL);
    const applied: string[] = [];
    for (const migration of migrations) {
      if (applyOne(db, migration, now)) applied.push(migration.name);
    }
    return { applied, warnings: driftWarnings(db, migrations) };
  } finally {
    db.close();
  }
}

function appliedRows(db: Database.Database): Map<string, AppliedRow> {
  const rows = db.prepare('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"').all() as AppliedRow[];
  return new Map(rows.filter((r) => r.rolled_back_at === null).map((r) => [r.migration_name, r]));
}

/** True if applied now, false if it already was. */
function applyOne(db: Database.Database, migration: Migration, now: () => Date): boolean {
  db.exec('BEGIN IMMEDIATE');
  try {
    const row = appliedRows(db).get(migration.name);
    if (row && row.finished_at === null) {
      throw new Error(`migration ${migration.name} was started but never finished (a failed \`prisma migrate deploy\`?): ` +
        'fix the database, then mark it with `prisma migrate resolve`');
    }
    if (row) {
      db.exec('COMMIT');
      return false;
    }
    const startedAt = prismaTimestamp(now());
    db.exec(migration.sql);
    db.prepare(`INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
      VALUES (?, ?, ?, ?, NULL, NULL, ?, 1)`).run(randomUUID(), migration.checksum, prismaTimestamp(now()), migration.name, startedAt);
    db.exec('COMMIT');
    return true;
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw new Error(`migration ${migration.name} failed: ${(err as Error).message}`, { cause: err });
  }
}

function driftWarnings(db: Database.Database, migrations: readonly Migration[]): string[] {
  const known = new Map(migrations.map((m) => [m.name, m]));
  const warnings: string[] = [];
  for (const row of appliedRows(db).values()) {
    const local = known.get(row.migration_name);
    if (!local) warnings.push(`migration ${row.migration_name} is applied but unknown to this build (database newer than the code?)`);
    else if (local.checksum !== row.checksum) warnings.push(`migration ${row.migration_name} changed after it was applied`);
  }
  return warnings;
}
