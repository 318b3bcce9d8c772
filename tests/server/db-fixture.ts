// The database tests' files (db.test.ts, db-instances.test.ts): a fresh SQLite URL per test
// in one temporary folder, optionally already migrated.
import { join } from 'node:path';
import { after } from 'node:test';
import { migrateDatabase, openDatabase, type Database } from '../../server/src/db/index.js';
import { tempDir } from './helpers.js';

export interface DbFiles {
  /** The temporary folder all the databases are in. */
  readonly dir: string;
  freshUrl(): string;
  migratedDatabase(): Promise<{ url: string; db: Database }>;
}

/** Call once at the top of a test file; registers an after() hook that removes the folder. */
export function dbFiles(): DbFiles {
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

  return { dir: tmp.dir, freshUrl, migratedDatabase };
}
