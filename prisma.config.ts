// Prisma CLI configuration (prisma 6.19). The JS schema engine with the better-sqlite3
// driver adapter keeps every CLI command offline: no engine binary is downloaded.
//
// DATABASE_URL (file:/abs/path.db) names the database for the commands that touch one
// (`prisma migrate deploy`, `prisma migrate status`, ...). The CLI instantiates the adapter
// even for `prisma migrate diff`, which only needs a scratch database: those commands get
// an in-memory one, so generating a migration never needs (or risks) a real file.
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { defineConfig } from 'prisma/config';

const SCRATCH_COMMANDS = new Set(['diff', 'generate', 'validate', 'format']);

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (url) return url;
  if (process.argv.some((arg) => SCRATCH_COMMANDS.has(arg))) return ':memory:';
  throw new Error('DATABASE_URL is not set (e.g. DATABASE_URL=file:/var/lib/sharpxr/sharpxr.db)');
}

type Factory = PrismaBetterSQLite3;
type Adapter = Awaited<ReturnType<Factory['connectToShadowDb']>>;

/**
 * `migrate diff --from-migrations` replays every migration.sql on a shadow database through
 * executeRaw, which better-sqlite3 runs as one prepared statement and rejects when the file
 * holds several (P3006 "failed to apply cleanly", prisma 6.19). Statements without parameters
 * go through executeScript (sqlite3_exec, any number of statements) instead.
 */
function scriptCapable(adapter: Adapter): Adapter {
  const executeRaw = adapter.executeRaw.bind(adapter);
  adapter.executeRaw = async (query) => {
    if (query.args.length > 0) return executeRaw(query);
    await adapter.executeScript(query.sql);
    return 0;
  };
  return adapter;
}

export default defineConfig({
  experimental: { adapter: true },
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  engine: 'js',
  async adapter() {
    const factory = new PrismaBetterSQLite3({ url: databaseUrl() });
    return {
      provider: factory.provider,
      adapterName: factory.adapterName,
      connect: () => factory.connect(),
      connectToShadowDb: async () => scriptCapable(await factory.connectToShadowDb()),
    };
  },
});
