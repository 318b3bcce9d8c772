// Opening and migrating the node's database.
//
// Migrations: the node applies prisma/migrations/*/migration.sql itself at start (sqlite.ts)
// and records them in Prisma's `_prisma_migrations` table with Prisma's checksums, instead of
// spawning `prisma migrate deploy`. Why: the CLI is a second Node process that loads
// prisma.config.ts through a TypeScript loader and takes seconds to start, needs the `prisma`
// package and the repo layout at run time, and reports failures as text; running the SQL
// in-process takes milliseconds, needs nothing but better-sqlite3, and fails with a real
// error. Because the table and checksums are Prisma's, `prisma migrate status` and
// `prisma migrate deploy` still work on a database the node migrated, and vice versa.
//
// Transactions: do not use db.$transaction (interactive or batch), nor Prisma operations that
// wrap themselves in one (updateMany, deleteMany, createMany, nested writes). The better-sqlite3
// adapter runs every query on one connection, so a query another async task issues while a
// transaction is open joins that transaction, and a rollback silently discards it after its
// caller was told it succeeded (measured). The queue and the ingest path therefore use single
// statements (create, update by unique, native upsert, find*, $queryRaw), each atomic alone.
import { PrismaClient } from '@prisma/client';
import { readMigrations } from './migrations.js';
import { migrateSqlite, PragmaSqliteAdapter, type MigrationReport } from './sqlite.js';

export type Database = PrismaClient;

export interface DatabaseConfig {
  /** `file:/abs/path/sharpxr.db` (embedded SQLite). PostgreSQL is not wired yet. */
  readonly url: string;
  /** Sees every SQL statement the client sends (tests, debugging). */
  readonly onQuery?: (sql: string) => void;
}

function requireSqlite(url: string): void {
  if (url.startsWith('file:')) return;
  if (/^postgres(ql)?:\/\//.test(url)) {
    throw new Error('PostgreSQL is not supported yet: it needs @prisma/adapter-pg and a postgresql schema/migrations set');
  }
  throw new Error(`unsupported database URL (expected file:<path>): ${url}`);
}

/** A connected client with the pragmas applied. The caller migrates first and disconnects at the end. */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  requireSqlite(config.url);
  const adapter = new PragmaSqliteAdapter(config.url);
  let db: Database;
  if (config.onQuery) {
    const logged = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
    const onQuery = config.onQuery;
    logged.$on('query', (e) => onQuery(e.query));
    // The event-logging client is a PrismaClient with a wider $on; nothing else differs.
    db = logged as unknown as Database;
  } else {
    db = new PrismaClient({ adapter });
  }
  await db.$connect();
  return db;
}

export interface MigrateOptions {
  /** Default: prisma/migrations at the repository root. */
  readonly migrationsDir?: string;
}

/** Applies pending migrations (offline, idempotent, safe when several processes start at once). */
export async function migrateDatabase(url: string, options: MigrateOptions = {}): Promise<MigrationReport> {
  requireSqlite(url);
  return migrateSqlite(url, readMigrations(options.migrationsDir));
}
