// The viewer tests' node HTTP side, in process: the same createApp, login and viewer routes
// main.ts mounts, on a real migrated database and a real socket, without the model or the DICOM
// port (those have tests of their own), with a logged-in viewer. Also raw HTTP requests,
// because fetch() normalises "..".
import { request } from 'node:http';
import { join } from 'node:path';
import { Reader } from '../../server/src/config/reader.js';
import { viewerSection } from '../../server/src/config/viewer-config.js';
import { migrateDatabase, openDatabase, type Database } from '../../server/src/db/index.js';
import type { Role } from '../../server/src/auth/index.js';
import { createViewerRoutes, registerViewerRoutes, type ViewerRoutes } from '../../server/src/viewer/index.js';
import { startApiApp, type Client } from './api-fixture.js';

export interface ViewerApp {
  readonly url: string;
  readonly port: number;
  readonly db: Database;
  /** The JSON log lines written so far. */
  readonly logs: Record<string, unknown>[];
  /** Cookie and CSRF headers of a logged-in viewer (the routes need a login). */
  readonly auth: Record<string, string>;
  /** fetch(`${url}${path}`) as that logged-in viewer. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** A new logged-in client of another role. */
  as(role: Role): Promise<Client>;
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
  let viewer: ViewerRoutes | undefined;
  const app = await startApiApp({
    dir: o.dir, db: o.db ?? (await openMigrated(o.dir)),
    register: (api, { db }) => registerViewerRoutes(api, db),
    mounts: ({ log }) => {
      viewer = createViewerRoutes(viewerSection(new Reader(o.viewer ?? {}, 'viewer'), o.dir), log);
      return viewer.mounts;
    },
  });
  const reader = await app.as('viewer');
  return {
    url: app.url, port: app.port, db: app.db, logs: app.logs, auth: reader.headers,
    fetch: (path, init = {}) => fetch(`${app.url}${path}`, { ...init, headers: { ...reader.headers, ...(init.headers as Record<string, string> | undefined) } }),
    as: (role) => app.as(role),
    close: async () => {
      await viewer?.close();
      await app.close();
      if (!o.db) await app.db.$disconnect();
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
