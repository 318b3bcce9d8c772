// The migration files, as Prisma lays them out: prisma/migrations/<timestamp>_<name>/migration.sql,
// applied in name order. Generated with `prisma migrate diff` (see prisma/README.md).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Migration {
  /** Folder name, e.g. 20261125091100_init: what `_prisma_migrations.migration_name` holds. */
  readonly name: string;
  readonly sql: string;
  /** SHA-256 of the file's bytes, hex: the checksum Prisma records, so its CLI agrees with us. */
  readonly checksum: string;
}

/** prisma/migrations at the repository root; this file is server/{src,dist}/db/migrations.{ts,js}. */
export function defaultMigrationsDir(): string {
  return fileURLToPath(new URL('../../../prisma/migrations/', import.meta.url));
}

export function readMigrations(dir: string = defaultMigrationsDir()): Migration[] {
  if (!existsSync(dir)) throw new Error(`no migrations folder at ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const bytes = readFileSync(join(dir, name, 'migration.sql'));
      return { name, sql: bytes.toString('utf8'), checksum: createHash('sha256').update(bytes).digest('hex') };
    });
}
