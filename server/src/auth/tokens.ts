// API tokens for automation: `Authorization: Bearer sxr_<40 base62>`. Shown once at creation,
// stored as SHA-256, acting with a role no higher than their owner's (checked at every use, so
// demoting the owner demotes the token).
import type { ApiToken } from '@prisma/client';
import type { Database } from '../db/index.js';
import { HttpError, notFound } from '../http/errors.js';
import { ROLES, isRole, roleAtLeast, type AuthUser, type Role } from './roles.js';
import { randomBase62, sha256 } from './secrets.js';

export const TOKEN_PATTERN = /^sxr_[0-9A-Za-z]{40}$/;

export interface PublicToken {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly role: Role;
  readonly owner: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
}

function publicToken(t: ApiToken & { user: { username: string } }): PublicToken {
  return { id: t.id, name: t.name, prefix: t.prefix, role: t.role as Role, owner: t.user.username, createdAt: t.createdAt, lastUsedAt: t.lastUsedAt, expiresAt: t.expiresAt, revokedAt: t.revokedAt };
}

export async function createToken(db: Database, owner: AuthUser, input: { name: string; role?: Role | undefined; expiresInDays?: number | undefined }): Promise<{ token: string; info: PublicToken }> {
  const role = input.role ?? owner.role;
  if (!roleAtLeast(owner.role, role)) throw new HttpError(403, `role: a token cannot have more rights than its owner (${owner.role})`);
  const token = `sxr_${randomBase62(40)}`;
  const now = new Date();
  const row = await db.apiToken.create({
    data: {
      userId: owner.id, name: input.name.trim(), tokenHash: sha256(token), prefix: token.slice(0, 8), role, createdAt: now,
      expiresAt: input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * 86_400_000) : null,
    },
    include: { user: { select: { username: true } } },
  });
  return { token, info: publicToken(row) };
}

export async function listTokens(db: Database, ownerId?: string): Promise<PublicToken[]> {
  const rows = await db.apiToken.findMany({ where: ownerId ? { userId: ownerId } : {}, orderBy: { createdAt: 'desc' }, include: { user: { select: { username: true } } } });
  return rows.map(publicToken);
}

/** Revokes a token; only its owner or an admin may. */
export async function revokeToken(db: Database, id: string, by: AuthUser): Promise<PublicToken> {
  const row = await db.apiToken.findUnique({ where: { id }, include: { user: { select: { username: true } } } });
  if (!row || (row.userId !== by.id && by.role !== 'admin')) throw notFound(`no token ${id}`);
  const updated = await db.apiToken.update({ where: { id }, data: { revokedAt: row.revokedAt ?? new Date() }, include: { user: { select: { username: true } } } });
  return publicToken(updated);
}

/** The user a bearer token acts as, or undefined when it is unknown, revoked, expired or its owner disabled. */
export async function tokenUser(db: Database, token: string): Promise<AuthUser | undefined> {
  if (!TOKEN_PATTERN.test(token)) return undefined;
  const row = await db.apiToken.findUnique({ where: { tokenHash: sha256(token) }, include: { user: true } });
  if (!row || row.revokedAt || row.user.disabled) return undefined;
  const now = new Date();
  if (row.expiresAt && row.expiresAt <= now) return undefined;
  if (!isRole(row.role) || !isRole(row.user.role)) return undefined;
  // The lower of the token's and the owner's current role.
  const role = ROLES[Math.min(ROLES.indexOf(row.role), ROLES.indexOf(row.user.role))]!;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } }).catch(() => {});
  }
  return { id: row.user.id, username: row.user.username, displayName: row.user.displayName, role, via: 'token', tokenId: row.id };
}
