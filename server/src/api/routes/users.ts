// Accounts (admin only) and API tokens (everyone their own; admins all).
import { z } from 'zod';
import { createToken, createUser, deleteUser, listTokens, listUsers, revokeToken, updateUser } from '../../auth/index.js';
import type { Database } from '../../db/index.js';
import type { ApiRouter } from '../router.js';
import { idParams, role } from './schemas.js';

const userSchema = z.object({ id: z.string(), username: z.string(), displayName: z.string().nullable(), role, disabled: z.boolean(), createdAt: z.date(), lastLoginAt: z.date().nullable() });
const newUser = z.strictObject({ username: z.string().trim().min(1).max(64), password: z.string().max(256), role, displayName: z.string().trim().max(100).optional() });
const userChange = z.strictObject({ role: role.optional(), displayName: z.string().trim().max(100).nullable().optional(), disabled: z.boolean().optional(), password: z.string().max(256).optional() });
const tokenSchema = z.object({ id: z.string(), name: z.string(), prefix: z.string(), role, owner: z.string(), createdAt: z.date(), lastUsedAt: z.date().nullable(), expiresAt: z.date().nullable(), revokedAt: z.date().nullable() });
const newToken = z.strictObject({ name: z.string().trim().min(1).max(64), role: role.optional(), expiresInDays: z.number().int().min(1).max(3650).optional() });
const tokenQuery = z.object({ all: z.enum(['true', 'false']).optional() });

export function registerUserRoutes(api: ApiRouter, deps: { readonly db: Database }): void {
  const { db } = deps;
  api.route({
    method: 'get', path: '/users', tag: 'users', role: 'admin', summary: 'List accounts', response: z.object({ items: z.array(userSchema) }),
    handler: async () => ({ items: await listUsers(db) }),
  });
  api.route({
    method: 'post', path: '/users', tag: 'users', role: 'admin', body: newUser, response: userSchema, status: 201, summary: 'Create an account',
    async handler({ body, audit }) {
      const user = await createUser(db, body);
      await audit('user.create', `user:${user.username}`, { role: user.role });
      return user;
    },
  });
  api.route({
    method: 'patch', path: '/users/:id', tag: 'users', role: 'admin', params: idParams, body: userChange, response: userSchema,
    summary: 'Change an account\'s role, name, password or disabled flag',
    async handler({ params, body, audit }) {
      const before = await db.user.findUnique({ where: { id: params.id } });
      const user = await updateUser(db, params.id, body);
      await audit('user.update', `user:${user.username}`, {
        before: { role: before?.role, disabled: before?.disabled, displayName: before?.displayName },
        after: { role: user.role, disabled: user.disabled, displayName: user.displayName }, passwordChanged: body.password !== undefined,
      });
      return user;
    },
  });
  api.route({
    method: 'delete', path: '/users/:id', tag: 'users', role: 'admin', params: idParams, summary: 'Delete an account (its sessions and tokens end)',
    async handler({ params, audit }) {
      const user = await deleteUser(db, params.id);
      await audit('user.delete', `user:${user.username}`, { role: user.role });
      return undefined;
    },
  });
  api.route({
    method: 'get', path: '/tokens', tag: 'tokens', role: 'viewer', query: tokenQuery, response: z.object({ items: z.array(tokenSchema) }),
    summary: 'Your API tokens (admins: ?all=true for everyone\'s)',
    handler: async ({ user, query }) => ({ items: await listTokens(db, query.all === 'true' && user.role === 'admin' ? undefined : user.id) }),
  });
  api.route({
    method: 'post', path: '/tokens', tag: 'tokens', role: 'viewer', body: newToken, status: 201,
    response: z.object({ token: z.string(), info: tokenSchema }), summary: 'Create an API token (the token is shown only in this answer)',
    async handler({ user, body, audit }) {
      const made = await createToken(db, user, body);
      await audit('token.create', `token:${made.info.id}`, { name: made.info.name, role: made.info.role, prefix: made.info.prefix });
      return made;
    },
  });
  api.route({
    method: 'delete', path: '/tokens/:id', tag: 'tokens', role: 'viewer', params: idParams, response: tokenSchema, summary: 'Revoke an API token',
    async handler({ user, params, audit }) {
      const token = await revokeToken(db, params.id, user);
      await audit('token.revoke', `token:${token.id}`, { name: token.name, owner: token.owner });
      return token;
    },
  });
}
