// The PostgreSQL schema is derived, never edited: prisma/schema.prisma (SQLite, the embedded
// default) is the one data model, and a Prisma schema names exactly one provider. This swaps
// the datasource for PostgreSQL and sends that client to its own output, so both clients exist
// side by side. tests/server/db-postgres-migrations.test.ts fails when the file is stale.
//
//   node --import tsx prisma/derive-postgresql.ts     (after every schema.prisma edit)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const SQLITE_SCHEMA = join(here, 'schema.prisma');
export const POSTGRES_SCHEMA = join(here, 'postgresql', 'schema.prisma');
export const POSTGRES_MIGRATIONS = join(here, 'postgresql', 'migrations');

const HEADER = '// GENERATED from prisma/schema.prisma by prisma/derive-postgresql.ts: do not edit.\n';

/** schema.prisma's text with the PostgreSQL datasource and client output. */
export function derivePostgresSchema(sqlite: string): string {
  const replaced = sqlite
    .replace(/datasource db \{[\s\S]*?\n\}/, [
      'datasource db {',
      '  provider = "postgresql"',
      '  // Not used: the node connects through @prisma/adapter-pg with database.url from its config.',
      '  url      = "postgresql://unused@localhost/unused"',
      '}',
    ].join('\n'))
    .replace(/(generator client \{[\s\S]*?)\n\}/, '$1\n  output          = "../../node_modules/.prisma/client-postgresql"\n}');
  if (!replaced.includes('provider = "postgresql"') || !replaced.includes('client-postgresql')) {
    throw new Error('prisma/schema.prisma: no datasource or generator block to rewrite');
  }
  return HEADER + replaced;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(POSTGRES_SCHEMA, derivePostgresSchema(readFileSync(SQLITE_SCHEMA, 'utf8')));
  console.log(`wrote ${POSTGRES_SCHEMA}`);
}
