// The database commands (jobs, instances) work on: the running node's, as its configuration names it.
import { loadNodeConfig } from '../config/index.js';
import { migrateDatabase, openDatabase, type Database } from '../db/index.js';

/**
 * The node's database as the configuration names it (--config file, else SHARPXR_CONFIG and
 * the environment), migrated and open for `use`, then disconnected.
 */
export async function withNodeDatabase<T>(configFile: string | undefined, use: (db: Database) => Promise<T>): Promise<T> {
  const config = loadNodeConfig({ file: configFile });
  await migrateDatabase(config.databaseUrl);
  const db = await openDatabase({ url: config.databaseUrl });
  try {
    return await use(db);
  } finally {
    await db.$disconnect();
  }
}
