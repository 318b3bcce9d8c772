// The API's composition: the authenticator, the router with the routes every node has (auth,
// users, tokens), the setup code while there is no account, and the expired-session sweep.
// main.ts registers the other rooms' routes on the returned router before mounting it.
import { Authenticator, LoginLimiter, SetupCode, countUsers, purgeExpiredSessions } from '../auth/index.js';
import type { NodeConfig } from '../config/index.js';
import type { Database } from '../db/index.js';
import { SHARPXR_VERSION } from '../derive/index.js';
import type { Logger } from '../node/logger.js';
import { ApiRouter } from './router.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerUserRoutes } from './routes/users.js';

export { ApiRouter, type RouteContext, type RouteSpec } from './router.js';

export interface Api {
  readonly api: ApiRouter;
  readonly auth: Authenticator;
}

export async function createApi(config: NodeConfig, db: Database, log: Logger, closers: (() => Promise<void>)[]): Promise<Api> {
  const { auth: a } = config.http;
  const auth = new Authenticator({ db, sessions: { idleHours: a.sessionIdleHours, maxHours: a.sessionMaxHours }, secureCookies: a.secureCookies });
  const api = new ApiRouter({ auth, db, info: { title: 'SharpXR node API', version: SHARPXR_VERSION } });
  const setupCode = new SetupCode(config.dataDir);
  registerAuthRoutes(api, { db, auth, limiter: new LoginLimiter(), setupCode, log });
  registerUserRoutes(api, { db });
  if ((await countUsers(db)) === 0) {
    // Said loudly and once per start: the first screen of the console asks for this code.
    log.warn({ setupCode: setupCode.current(), file: setupCode.path },
      'no account yet: open the console and create the first admin with this setup code, or run `sharpxr user add --admin <name>`');
  }
  const sweep = setInterval(() => void purgeExpiredSessions(db).catch(() => {}), 3_600_000);
  sweep.unref();
  closers.push(async () => clearInterval(sweep));
  return { api, auth };
}
