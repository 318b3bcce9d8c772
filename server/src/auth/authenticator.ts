// Who is asking: a session cookie or a bearer token, resolved once per request. Also the CSRF
// rule (a cookie session's state-changing request must echo its CSRF token in X-CSRF-Token:
// a cross-site page can make the browser send the cookie, never read the token), the cookie's
// attributes, and a guard for the non-API mounts (/viewer, /dicom-web).
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Database } from '../db/index.js';
import { HttpError } from '../http/errors.js';
import { roleAtLeast, type AuthUser, type Role } from './roles.js';
import { SESSION_COOKIE, sessionUser, type SessionPolicy } from './sessions.js';
import { sameSecret } from './secrets.js';
import { tokenUser } from './tokens.js';

export interface AuthOptions {
  readonly db: Database;
  readonly sessions: SessionPolicy;
  /** 'auto': Secure when the request came over HTTPS (directly or per X-Forwarded-Proto). */
  readonly secureCookies: 'auto' | boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const resolved = new WeakMap<Request, Promise<AuthUser | undefined>>();

export class Authenticator {
  constructor(private readonly options: AuthOptions) {}

  get sessionPolicy(): SessionPolicy {
    return this.options.sessions;
  }

  /** The request's user, or undefined for anonymous; a bad bearer token is a 401, not anonymous. */
  identify(req: Request): Promise<AuthUser | undefined> {
    let found = resolved.get(req);
    if (!found) {
      found = this.resolve(req);
      resolved.set(req, found);
    }
    return found;
  }

  private async resolve(req: Request): Promise<AuthUser | undefined> {
    // Only Bearer is ours: other schemes (a browser's cached Basic credentials for the PACS,
    // say) are not a claim to be someone here, so the session cookie still decides.
    const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (m) {
      const user = await tokenUser(this.options.db, m[1]!);
      if (!user) throw new HttpError(401, 'authorization: unknown, revoked or expired API token');
      return user;
    }
    const secret = readCookie(req, SESSION_COOKIE);
    return secret ? sessionUser(this.options.db, secret, this.options.sessions) : undefined;
  }

  /** 401 when anonymous, 403 when the role is too low or a session's CSRF token is wrong. */
  async authorize(req: Request, minRole: Role): Promise<AuthUser> {
    const user = await this.identify(req);
    if (!user) throw new HttpError(401, 'log in first (or send an API token)');
    if (!roleAtLeast(user.role, minRole)) throw new HttpError(403, `needs the ${minRole} role (you are ${user.role})`);
    this.checkCsrf(req, user);
    return user;
  }

  checkCsrf(req: Request, user: AuthUser): void {
    if (user.via !== 'session' || SAFE_METHODS.has(req.method)) return;
    const sent = req.get('x-csrf-token');
    if (!sent || !user.csrfToken || !sameSecret(sent, user.csrfToken)) {
      throw new HttpError(403, 'CSRF token missing or wrong: reload the page (send X-CSRF-Token with the session\'s token)');
    }
  }

  setSessionCookie(req: Request, res: Response, secret: string, expiresAt: Date): void {
    res.cookie(SESSION_COOKIE, secret, { httpOnly: true, sameSite: 'strict', secure: this.secure(req), path: '/', expires: expiresAt });
  }

  clearSessionCookie(req: Request, res: Response): void {
    res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: this.secure(req), path: '/' });
  }

  private secure(req: Request): boolean {
    if (this.options.secureCookies !== 'auto') return this.options.secureCookies;
    return req.secure || req.get('x-forwarded-proto') === 'https';
  }

  /**
   * For pages and proxies outside /api: a browser that is not logged in is sent to the login
   * screen and brought back afterwards; other clients get 401.
   */
  guard(minRole: Role): RequestHandler {
    return async (req: Request, res: Response, next: NextFunction) => {
      const user = await this.identify(req).catch(() => undefined);
      if (user && roleAtLeast(user.role, minRole)) return next();
      if (!user && req.method === 'GET' && req.accepts(['json', 'html']) === 'html') {
        res.redirect(302, `/login?next=${encodeURIComponent(req.originalUrl)}`);
        return;
      }
      next(user ? new HttpError(403, `needs the ${minRole} role`) : new HttpError(401, 'log in first (or send an API token)'));
    };
  }
}

/** One cookie's value from the Cookie header (no cookie-parser needed for one name). */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
