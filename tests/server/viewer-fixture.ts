// The viewer tests' node HTTP side, in process: the same createApp and viewer routes main.ts
// mounts, on a real migrated database and a real socket, without the model or the DICOM port
// (those have tests of their own). Also raw HTTP requests, because fetch() normalises "..".
import { request } from 'node:http';
import { join } from 'node:path';
import { Reader } from '../../server/src/config/reader.js';
import { viewerSection } from '../../server/src/config/viewer-config.js';
import { migrateDatabase, openDatabase, type Database } from '../../server/src/db/index.js';
import { closeHttp, createApp, listenHttp } from '../../server/src/http/app.js';
import { createLogger, type Logger } from '../../server/src/node/logger.js';
import { NodeMetrics } from '../../server/src/node/metrics.js';
import { createViewerRoutes } from '../../server/src/viewer/index.js';

export interface ViewerApp {
  readonly url: string;
  readonly port: number;
  readonly db: Database;
  /** The JSON log lines written so far. */
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export interface ViewerAppOptions {
  /** Folder for the database (var/sharpxr.db, where `dataDir: var` puts it). */
  readonly dir: string;
  /** The config file's `viewer:` section. */
  readonly viewer?: Record<string, unknown>;
  /** An already open database to use instead. */
  readonly db?: Database;
}

export async function startViewerApp(o: ViewerAppOptions): Promise<ViewerApp> {
  const db = o.db ?? (await openMigrated(o.dir));
  const logs: Record<string, unknown>[] = [];
  const log: Logger = createLogger('debug', (line) => logs.push(JSON.parse(line) as Record<string, unknown>));
  const viewer = createViewerRoutes(viewerSection(new Reader(o.viewer ?? {}, 'viewer'), o.dir), db, log);
  const app = createApp({ health: async () => ({ status: 'ok', checks: {} }), metrics: new NodeMetrics(), log, mounts: viewer.mounts });
  const server = await listenHttp(app, '127.0.0.1', 0);
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`, port, db, logs,
    close: async () => {
      await viewer.close();
      await closeHttp(server);
      if (!o.db) await db.$disconnect();
    },
  };
}

export async function openMigrated(dir: string): Promise<Database> {
  const url = `file:${join(dir, 'var', 'sharpxr.db')}`;
  await migrateDatabase(url);
  return openDatabase({ url });
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** GET `path` exactly as written (no URL normalisation), with `headers`. */
export function rawGet(port: number, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
