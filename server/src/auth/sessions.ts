// Login sessions: a random secret in an httpOnly, SameSite=Strict cookie; the row's id is its
// SHA-256. Sessions slide: each use within `idleHours` extends them, up to `maxHours` from login.
import type { Database } from '../db/index.js';
import { isRole, type AuthUser } from './roles.js';
import { randomToken, sha256 } from './secrets.js';

export const SESSION_COOKIE = 'sharpxr_session';

export interface SessionPolicy {
  /** A session unused this long ends. */
  readonly idleHours: number;
  /** No session lives longer than this after login. */
  readonly maxHours: number;
}

export interface NewSession {
  /** The cookie value (shown once; only its hash is stored). */
  readonly secret: string;
  readonly csrfToken: string;
  readonly expiresAt: Date;
}

export async function createSession(db: Database, userId: string, policy: SessionPolicy, client: { ip?: string; userAgent?: string }): Promise<NewSession> {
  const secret = randomToken(32);
  const csrfToken = randomToken(24);
  const now = new Date();
  const expiresAt = new Date(now.getTime() + Math.min(policy.idleHours, policy.maxHours) * 3_600_000);
  await db.session.create({
    data: { id: sha256(secret), userId, csrfToken, createdAt: now, lastSeenAt: now, expiresAt, ip: client.ip ?? null, userAgent: client.userAgent?.slice(0, 200) ?? null },
  });
  return { secret, csrfToken, expiresAt };
}

/** The user behind a cookie secret, or undefined when it is unknown, expired or disabled. */
export async function sessionUser(db: Database, secret: string, policy: SessionPolicy): Promise<AuthUser | undefined> {
  const id = sha256(secret);
  const session = await db.session.findUnique({ where: { id }, include: { user: true } });
  if (!session) return undefined;
  const now = Date.now();
  if (session.expiresAt.getTime() <= now || session.user.disabled || !isRole(session.user.role)) {
    await db.session.delete({ where: { id } }).catch(() => {});
    return undefined;
  }
  // Extend at most once a minute: one write per request would cost more than the request.
  if (now - session.lastSeenAt.getTime() > 60_000) {
    const hardEnd = session.createdAt.getTime() + policy.maxHours * 3_600_000;
    const expiresAt = new Date(Math.min(now + policy.idleHours * 3_600_000, hardEnd));
    await db.session.update({ where: { id }, data: { lastSeenAt: new Date(now), expiresAt } }).catch(() => {});
  }
  const { user } = session;
  return { id: user.id, username: user.username, displayName: user.displayName, role: session.user.role, via: 'session', csrfToken: session.csrfToken, sessionId: id };
}

export async function endSession(db: Database, sessionId: string): Promise<void> {
  await db.session.delete({ where: { id: sessionId } }).catch(() => {});
}

/** Deletes expired sessions, row by row (no deleteMany on this adapter). */
export async function purgeExpiredSessions(db: Database, now = new Date()): Promise<number> {
  const expired = await db.session.findMany({ where: { expiresAt: { lte: now } }, select: { id: true }, take: 1000 });
  for (const s of expired) await db.session.delete({ where: { id: s.id } }).catch(() => {});
  return expired.length;
}
