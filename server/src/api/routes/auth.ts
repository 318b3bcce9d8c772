// Login, logout, the one-time setup of the first admin, and the state the console starts from.
import { z } from 'zod';
import {
  createSession, createUser, countUsers, decoyHash, endSession, publicUser, verifyPassword,
  type Authenticator, type LoginLimiter, type SetupCode,
} from '../../auth/index.js';
import type { Database } from '../../db/index.js';
import { HttpError } from '../../http/errors.js';
import type { Logger } from '../../node/logger.js';
import { auditFor } from '../audit.js';
import type { ApiRouter } from '../router.js';
import { sessionUserSchema } from './schemas.js';

export interface AuthRouteDeps {
  readonly db: Database;
  readonly auth: Authenticator;
  readonly limiter: LoginLimiter;
  readonly setupCode: SetupCode;
  readonly log: Logger;
}

const credentials = z.strictObject({ username: z.string().trim().min(1).max(64), password: z.string().min(1).max(256) });
const setupBody = z.strictObject({ setupCode: z.string().trim().min(1).max(64), username: z.string().trim().min(1).max(64), password: z.string().max(256), displayName: z.string().trim().max(100).optional() });
const loggedIn = z.object({ user: sessionUserSchema, csrfToken: z.string() });
const authState = z.object({ setupRequired: z.boolean(), user: sessionUserSchema.nullable(), csrfToken: z.string().nullable() });

export function registerAuthRoutes(api: ApiRouter, deps: AuthRouteDeps): void {
  api.route({
    method: 'get', path: '/auth/state', tag: 'auth', role: 'public', response: authState,
    summary: 'Whether the node needs its first admin, and who is logged in',
    async handler({ user }) {
      const setupRequired = (await countUsers(deps.db)) === 0;
      return { setupRequired, user: user ? sessionUserOf(user) : null, csrfToken: user?.csrfToken ?? null };
    },
  });
  api.route({
    method: 'post', path: '/auth/setup', tag: 'auth', role: 'public', body: setupBody, response: loggedIn, status: 201,
    summary: 'Create the first admin with the setup code from the node\'s log (only while no account exists)',
    async handler({ body, req, res, ip }) {
      if ((await countUsers(deps.db)) > 0) throw new HttpError(409, 'setup is done: log in, or ask an admin for an account');
      const wait = await deps.limiter.retryAfter('#setup', ip);
      if (wait > 0) throw tooMany(wait);
      if (!deps.setupCode.matches(body.setupCode)) {
        await deps.limiter.failed('#setup', ip);
        await auditFor(deps.db, undefined, ip)('auth.setup', 'node', {}, 'failed');
        throw new HttpError(403, `setup code: wrong (it is in the node's log and in ${deps.setupCode.path})`);
      }
      const user = await createUser(deps.db, { username: body.username, password: body.password, role: 'admin', displayName: body.displayName });
      deps.setupCode.consume();
      const session = await createSession(deps.db, user.id, deps.auth.sessionPolicy, { ip, userAgent: req.get('user-agent') });
      deps.auth.setSessionCookie(req, res, session.secret, session.expiresAt);
      await auditFor(deps.db, { ...user, via: 'session' }, ip)('auth.setup', `user:${user.username}`, { role: 'admin' });
      deps.log.info({ username: user.username }, 'first admin created through the setup screen');
      return { user: { id: user.id, username: user.username, displayName: user.displayName, role: user.role }, csrfToken: session.csrfToken };
    },
  });
  api.route({
    method: 'post', path: '/auth/login', tag: 'auth', role: 'public', body: credentials, response: loggedIn,
    summary: 'Log in with a user name and password (sets the session cookie)',
    async handler({ body, req, res, ip }) {
      const username = body.username.toLowerCase();
      const wait = await deps.limiter.retryAfter(username, ip);
      if (wait > 0) {
        await auditFor(deps.db, undefined, ip, username)('auth.login', `user:${username}`, { reason: 'rate limited' }, 'denied');
        throw tooMany(wait);
      }
      const row = await deps.db.user.findUnique({ where: { username } });
      const ok = await verifyPassword(row?.passwordHash ?? (await decoyHash()), body.password);
      if (!row || !ok || row.disabled) {
        await deps.limiter.failed(username, ip);
        await auditFor(deps.db, undefined, ip, username)('auth.login', `user:${username}`, { reason: row?.disabled && ok ? 'account disabled' : 'wrong user name or password' }, 'failed');
        throw new HttpError(401, row?.disabled && ok ? 'this account is disabled: ask an admin' : 'wrong user name or password');
      }
      await deps.limiter.succeeded(username, ip);
      const session = await createSession(deps.db, row.id, deps.auth.sessionPolicy, { ip, userAgent: req.get('user-agent') });
      await deps.db.user.update({ where: { id: row.id }, data: { lastLoginAt: new Date() } });
      deps.auth.setSessionCookie(req, res, session.secret, session.expiresAt);
      const user = publicUser(row);
      await auditFor(deps.db, { ...user, via: 'session' }, ip)('auth.login', `user:${username}`);
      return { user: { id: user.id, username: user.username, displayName: user.displayName, role: user.role }, csrfToken: session.csrfToken };
    },
  });
  api.route({
    method: 'post', path: '/auth/logout', tag: 'auth', role: 'viewer',
    summary: 'End this session',
    async handler({ user, req, res, audit }) {
      if (user.sessionId) await endSession(deps.db, user.sessionId);
      deps.auth.clearSessionCookie(req, res);
      await audit('auth.logout', `user:${user.username}`);
      return undefined;
    },
  });
}

function sessionUserOf(user: { id: string; username: string; displayName: string | null; role: string }) {
  return { id: user.id, username: user.username, displayName: user.displayName, role: user.role as 'viewer' | 'operator' | 'admin' };
}

function tooMany(seconds: number): HttpError {
  return new HttpError(429, `too many failed attempts: try again in ${Math.ceil(seconds / 60)} minute(s)`, undefined, { 'Retry-After': String(seconds) });
}

