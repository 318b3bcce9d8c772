// Local accounts. The only way in is a user made here, by `sharpxr user add` or the one-time
// setup screen; there is no default account or password.
import type { User } from '@prisma/client';
import type { Database } from '../db/index.js';
import { HttpError, conflict, notFound } from '../http/errors.js';
import { hashPassword, passwordProblem } from './passwords.js';
import type { Role } from './roles.js';

export const USERNAME = /^[a-z0-9][a-z0-9._-]{1,31}$/;
export const USERNAME_RULE = 'user name: 2–32 characters, lower-case letters, digits, ".", "_" or "-", starting with a letter or digit';

export interface PublicUser {
  readonly id: string;
  readonly username: string;
  readonly displayName: string | null;
  readonly role: Role;
  readonly disabled: boolean;
  readonly createdAt: Date;
  readonly lastLoginAt: Date | null;
}

export function publicUser(u: User): PublicUser {
  return { id: u.id, username: u.username, displayName: u.displayName, role: u.role as Role, disabled: u.disabled, createdAt: u.createdAt, lastLoginAt: u.lastLoginAt };
}

export interface NewUser {
  readonly username: string;
  readonly password: string;
  readonly role: Role;
  readonly displayName?: string | undefined;
}

export async function createUser(db: Database, input: NewUser): Promise<PublicUser> {
  const username = input.username.trim().toLowerCase();
  if (!USERNAME.test(username)) throw new HttpError(400, USERNAME_RULE);
  const problem = passwordProblem(input.password, username);
  if (problem) throw new HttpError(400, problem);
  if (await db.user.findUnique({ where: { username } })) throw conflict(`user name: "${username}" is taken`);
  const now = new Date();
  const user = await db.user.create({
    data: { username, displayName: input.displayName?.trim() || null, role: input.role, passwordHash: await hashPassword(input.password), createdAt: now, updatedAt: now },
  });
  return publicUser(user);
}

export async function countUsers(db: Database): Promise<number> {
  return db.user.count();
}

export async function listUsers(db: Database): Promise<PublicUser[]> {
  return (await db.user.findMany({ orderBy: { username: 'asc' } })).map(publicUser);
}

export interface UserChange {
  readonly role?: Role | undefined;
  readonly displayName?: string | null | undefined;
  readonly disabled?: boolean | undefined;
  readonly password?: string | undefined;
}

/** Applies a change; refuses to leave the node without an enabled admin. */
export async function updateUser(db: Database, id: string, change: UserChange): Promise<PublicUser> {
  const user = await db.user.findUnique({ where: { id } });
  if (!user) throw notFound(`no user ${id}`);
  const demotes = user.role === 'admin' && ((change.role && change.role !== 'admin') || change.disabled === true);
  if (demotes && (await enabledAdmins(db)) <= 1) throw conflict('the last enabled admin cannot be demoted or disabled');
  if (change.password !== undefined) {
    const problem = passwordProblem(change.password, user.username);
    if (problem) throw new HttpError(400, problem);
  }
  const updated = await db.user.update({
    where: { id },
    data: {
      role: change.role, disabled: change.disabled, updatedAt: new Date(),
      displayName: change.displayName === undefined ? undefined : change.displayName?.trim() || null,
      passwordHash: change.password === undefined ? undefined : await hashPassword(change.password),
    },
  });
  // A disabled account or a new password ends the sessions that were open.
  if (change.disabled === true || change.password !== undefined) await endSessionsOf(db, id);
  return publicUser(updated);
}

export async function deleteUser(db: Database, id: string): Promise<PublicUser> {
  const user = await db.user.findUnique({ where: { id } });
  if (!user) throw notFound(`no user ${id}`);
  if (user.role === 'admin' && !user.disabled && (await enabledAdmins(db)) <= 1) throw conflict('the last enabled admin cannot be deleted');
  await db.user.delete({ where: { id } }); // sessions and tokens cascade
  return publicUser(user);
}

async function enabledAdmins(db: Database): Promise<number> {
  return db.user.count({ where: { role: 'admin', disabled: false } });
}

async function endSessionsOf(db: Database, userId: string): Promise<void> {
  // One row at a time: no deleteMany on this adapter (db/database.ts).
  for (const s of await db.session.findMany({ where: { userId }, select: { id: true } })) {
    await db.session.delete({ where: { id: s.id } }).catch(() => {});
  }
}
