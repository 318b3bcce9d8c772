// The node's HTTP side in process for API tests: the same createApp, Authenticator and
// ApiRouter main.ts wires, on a real migrated SQLite database and a real socket, with real
// accounts. `as(role)` logs a fresh user of that role in through POST /api/auth/login and
// returns a client that sends its session cookie and CSRF token, as the console does.
import { join } from 'node:path';
import { ApiRouter } from '../../server/src/api/router.js';
import { registerAuthRoutes } from '../../server/src/api/routes/auth.js';
import { registerUserRoutes } from '../../server/src/api/routes/users.js';
import { Authenticator, LoginLimiter, SetupCode, createToken, createUser, type LoginLimits, type Role } from '../../server/src/auth/index.js';
import { migrateDatabase, openDatabase, type Database } from '../../server/src/db/index.js';
import { closeHttp, createApp, listenHttp, type HttpMount } from '../../server/src/http/app.js';
import { createLogger, type Logger } from '../../server/src/node/logger.js';
import { NodeMetrics } from '../../server/src/node/metrics.js';

export interface ApiAppOptions {
  /** Folder for the database (var/sharpxr.db) and the setup code. */
  readonly dir: string;
  readonly db?: Database;
  /** Registers the routes under test on the router (auth, users and tokens are always there). */
  readonly register?: (api: ApiRouter, deps: { db: Database; log: Logger; auth: Authenticator }) => void;
  /** Mounts besides /api, in order (each may need a role). */
  readonly mounts?: (deps: { db: Database; log: Logger; auth: Authenticator }) => readonly HttpMount[];
  readonly loginLimits?: LoginLimits;
  readonly publicMetrics?: boolean;
}

export interface Client {
  readonly username: string;
  readonly role: Role;
  /** Cookie and X-CSRF-Token headers (or the bearer token). */
  readonly headers: Record<string, string>;
  fetch(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
}

export interface ApiApp {
  readonly url: string;
  readonly port: number;
  readonly db: Database;
  readonly logs: Record<string, unknown>[];
  readonly setupCode: SetupCode;
  /** A new user of `role`, logged in through the API (password `correct horse battery`). */
  as(role: Role): Promise<Client>;
  /** A new user of `role` with an API token. */
  withToken(role: Role): Promise<Client>;
  anonymous(): Client;
  close(): Promise<void>;
}

export const TEST_PASSWORD = 'correct horse battery';
let counter = 0;

export async function startApiApp(o: ApiAppOptions): Promise<ApiApp> {
  const db = o.db ?? (await openMigratedDb(o.dir));
  const logs: Record<string, unknown>[] = [];
  const log = createLogger('debug', (line) => logs.push(JSON.parse(line) as Record<string, unknown>));
  const auth = new Authenticator({ db, sessions: { idleHours: 8, maxHours: 24 }, secureCookies: false });
  const api = new ApiRouter({ auth, db, info: { title: 'test', version: '0' } });
  const setupCode = new SetupCode(o.dir);
  registerAuthRoutes(api, { db, auth, limiter: new LoginLimiter(o.loginLimits), setupCode, log });
  registerUserRoutes(api, { db });
  o.register?.(api, { db, log, auth });
  const app = createApp({
    health: async () => ({ status: 'ok', checks: {} }), metrics: new NodeMetrics(), log, auth, publicMetrics: o.publicMetrics ?? true,
    mounts: [{ path: '/api', handler: api.router() }, ...(o.mounts?.({ db, log, auth }) ?? [])],
  });
  const server = await listenHttp(app, '127.0.0.1', 0);
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  const client = (username: string, role: Role, headers: Record<string, string>): Client => ({
    username, role, headers,
    fetch: (path, init = {}) => {
      const { json, ...rest } = init;
      const h: Record<string, string> = { ...headers, ...(rest.headers as Record<string, string> | undefined) };
      if (json !== undefined) h['content-type'] = 'application/json';
      return fetch(`${url}${path}`, { ...rest, headers: h, body: json !== undefined ? JSON.stringify(json) : rest.body });
    },
  });
  return {
    url, port, db, logs, setupCode,
    async as(role) {
      const username = `${role}${++counter}`;
      await createUser(db, { username, password: TEST_PASSWORD, role });
      const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: TEST_PASSWORD }) });
      if (res.status !== 200) throw new Error(`login of ${username} failed: ${res.status} ${await res.text()}`);
      const { csrfToken } = (await res.json()) as { csrfToken: string };
      const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
      return client(username, role, { cookie, 'x-csrf-token': csrfToken });
    },
    async withToken(role) {
      const username = `${role}${++counter}`;
      const user = await createUser(db, { username, password: TEST_PASSWORD, role });
      const { token } = await createToken(db, { ...user, via: 'session' }, { name: 'test' });
      return client(username, role, { authorization: `Bearer ${token}` });
    },
    anonymous: () => client('anonymous', 'viewer', {}),
    close: async () => {
      await closeHttp(server);
      if (!o.db) await db.$disconnect();
    },
  };
}

export async function openMigratedDb(dir: string): Promise<Database> {
  const url = `file:${join(dir, 'var', 'sharpxr.db')}`;
  await migrateDatabase(url);
  return openDatabase({ url });
}
