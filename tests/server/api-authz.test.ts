// Every route the running node declares, read from its own OpenAPI document: anonymous callers
// get 401 unless the route is public, a role below the route's gets 403, and a session's
// state-changing request without its CSRF token gets 403. New routes are covered the moment
// they are registered in main.ts, so a route that forgets its role cannot slip through.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROLES, roleAtLeast, type Role } from '../../server/src/auth/index.js';
import { loginToNode, type NodeSession } from '../helpers/node-login.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { freePort } from '../helpers/orthanc.js';
import { tempDir } from './helpers.js';

interface Operation { readonly method: string; readonly path: string; readonly role: Role | 'public' }

function operations(doc: { paths: Record<string, Record<string, { 'x-role': Role | 'public' }>> }): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({
    method: method.toUpperCase(), role: op['x-role'],
    // Any value will do: authorisation is decided before parameters are even read.
    path: path.replace(/\{[^}]+\}/g, 'x1'),
  })));
}

describe('authorisation of every API route', () => {
  const tmp = tempDir('sharpxr-authz-');
  let node: NodeProcess;
  let ops: Operation[];
  const sessions = new Map<Role, NodeSession>();

  before(async () => {
    node = await startNodeProcess({ dir: tmp.dir, dicomPort: await freePort(), httpPort: await freePort() });
    ops = operations((await (await fetch(`${node.httpUrl}/api/openapi.json`)).json()) as Parameters<typeof operations>[0]);
    for (const role of ROLES) sessions.set(role, await loginToNode(node, role));
  });
  after(async () => {
    await node?.stop();
    tmp.cleanup();
  });

  it('has routes of every role, and the login itself is public', () => {
    assert.ok(ops.length >= 10, `${ops.length} routes`);
    for (const role of ['public', ...ROLES]) assert.ok(ops.some((o) => o.role === role), `a ${role} route`);
    assert.equal(ops.find((o) => o.path === '/api/auth/login')?.role, 'public');
  });

  it('answers 401 to anonymous callers on every non-public route', async () => {
    for (const op of ops.filter((o) => o.role !== 'public')) {
      const res = await fetch(`${node.httpUrl}${op.path}`, { method: op.method, headers: { 'content-type': 'application/json' }, body: op.method === 'GET' ? undefined : '{}' });
      assert.equal(res.status, 401, `${op.method} ${op.path}`);
    }
  });

  it('answers 403 to a role below the route\'s', async () => {
    for (const op of ops.filter((o) => o.role !== 'public' && o.role !== 'viewer')) {
      for (const role of ROLES.filter((r) => !roleAtLeast(r, op.role as Role))) {
        const s = sessions.get(role)!;
        const res = await fetch(`${node.httpUrl}${op.path}`, { method: op.method, headers: { ...s.headers, 'content-type': 'application/json' }, body: op.method === 'GET' ? undefined : '{}' });
        assert.equal(res.status, 403, `${role}: ${op.method} ${op.path}`);
      }
    }
  });

  it('refuses a session\'s state-changing request without its CSRF token', async () => {
    const admin = sessions.get('admin')!;
    for (const op of ops.filter((o) => o.role !== 'public' && o.method !== 'GET')) {
      const res = await fetch(`${node.httpUrl}${op.path}`, { method: op.method, headers: { cookie: admin.headers.cookie!, 'content-type': 'application/json' }, body: '{}' });
      assert.equal(res.status, 403, `${op.method} ${op.path}`);
      assert.match(((await res.json()) as { error: string }).error, /CSRF/);
    }
  });
});
