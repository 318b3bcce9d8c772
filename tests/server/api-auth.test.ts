// Authentication and authorisation on a real node HTTP stack and database: the one-time setup,
// logins and their audit rows, the rate limit, roles (401/403), CSRF, API tokens, logout,
// disabled accounts, the guard in front of non-API pages, the OpenAPI document and the CLI.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../server/src/cli/index.js';
import { listAudit } from '../../server/src/db/index.js';
import { startApiApp, TEST_PASSWORD, type ApiApp } from './api-fixture.js';
import { tempDir } from './helpers.js';

const json = { 'content-type': 'application/json' };

describe('first admin and login', () => {
  const tmp = tempDir('sharpxr-auth-');
  let app: ApiApp;
  before(async () => {
    app = await startApiApp({ dir: tmp.dir, loginLimits: { perUserAndClient: 3, perClient: 50, windowSeconds: 60 } });
  });
  after(async () => {
    await app?.close();
    tmp.cleanup();
  });

  it('asks for setup while there is no account, and only with the right code', async () => {
    const state = await (await fetch(`${app.url}/api/auth/state`)).json() as { setupRequired: boolean; user: unknown };
    assert.deepEqual(state, { setupRequired: true, user: null, csrfToken: null });
    const body = { username: 'root-admin', password: 'a long enough secret' };
    const wrong = await fetch(`${app.url}/api/auth/setup`, { method: 'POST', headers: json, body: JSON.stringify({ ...body, setupCode: 'WRONGWRONGWRONG1' }) });
    assert.equal(wrong.status, 403);
    assert.match(((await wrong.json()) as { error: string }).error, /setup code: wrong/);
    const ok = await fetch(`${app.url}/api/auth/setup`, { method: 'POST', headers: json, body: JSON.stringify({ ...body, setupCode: app.setupCode.current() }) });
    assert.equal(ok.status, 201, await ok.clone().text());
    const cookie = ok.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^sharpxr_session=[\w-]{40,};/);
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    const me = await (await fetch(`${app.url}/api/auth/state`, { headers: { cookie: cookie.split(';')[0]! } })).json() as { user: { role: string; username: string } };
    assert.equal(me.user.role, 'admin');
    assert.equal(me.user.username, 'root-admin');
    const again = await fetch(`${app.url}/api/auth/setup`, { method: 'POST', headers: json, body: JSON.stringify({ ...body, username: 'second', setupCode: 'x' }) });
    assert.equal(again.status, 409, 'setup works once');
    const rows = await listAudit(app.db, { action: 'auth.setup' });
    assert.deepEqual(rows.map((r) => r.outcome).sort(), ['failed', 'ok']);
  });

  it('refuses a wrong password with an audit row, then rate-limits with Retry-After', async () => {
    await app.as('viewer'); // makes viewer<n> with TEST_PASSWORD
    const user = (await app.db.user.findFirst({ where: { role: 'viewer' }, orderBy: { createdAt: 'desc' } }))!.username;
    const attempt = (password: string) => fetch(`${app.url}/api/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: user, password }) });
    for (let i = 0; i < 3; i++) assert.equal((await attempt('not the password')).status, 401);
    const limited = await attempt(TEST_PASSWORD);
    assert.equal(limited.status, 429, 'even the right password waits once the limit is reached');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    const failed = (await listAudit(app.db, { subject: `user:${user}` })).filter((r) => r.action === 'auth.login');
    assert.equal(failed.filter((r) => r.outcome === 'failed').length, 3);
    assert.equal(failed.filter((r) => r.outcome === 'denied').length, 1);
    assert.ok(failed.every((r) => r.ip && r.actor === user));
  });
});

describe('roles, CSRF and tokens', () => {
  const tmp = tempDir('sharpxr-roles-');
  let app: ApiApp;
  before(async () => {
    app = await startApiApp({ dir: tmp.dir });
  });
  after(async () => {
    await app?.close();
    tmp.cleanup();
  });

  it('answers 401 to anonymous and 403 to a role too low, and records the refusal', async () => {
    assert.equal((await app.anonymous().fetch('/api/users')).status, 401);
    const viewer = await app.as('viewer');
    const res = await viewer.fetch('/api/users');
    assert.equal(res.status, 403);
    assert.match(((await res.json()) as { error: string }).error, /needs the admin role/);
    const denied = await listAudit(app.db, { action: 'auth.denied' });
    assert.equal(denied[0]?.actor, viewer.username);
    assert.equal(denied[0]?.outcome, 'denied');
    const admin = await app.as('admin');
    assert.equal((await admin.fetch('/api/users')).status, 200);
  });

  it('needs the session\'s CSRF token on state-changing requests', async () => {
    const admin = await app.as('admin');
    const body = { username: 'newbie', password: 'another long secret', role: 'operator' };
    const noCsrf = await fetch(`${app.url}/api/users`, { method: 'POST', headers: { ...json, cookie: admin.headers.cookie! }, body: JSON.stringify(body) });
    assert.equal(noCsrf.status, 403);
    assert.match(((await noCsrf.json()) as { error: string }).error, /CSRF/);
    const wrong = await fetch(`${app.url}/api/users`, { method: 'POST', headers: { ...json, cookie: admin.headers.cookie!, 'x-csrf-token': 'x'.repeat(32) }, body: JSON.stringify(body) });
    assert.equal(wrong.status, 403);
    assert.equal(await app.db.user.count({ where: { username: 'newbie' } }), 0);
    const ok = await admin.fetch('/api/users', { method: 'POST', json: body });
    assert.equal(ok.status, 201);
    const created = await listAudit(app.db, { action: 'user.create' });
    assert.equal(created[0]?.subject, 'user:newbie');
    assert.equal(created[0]?.actor, admin.username);
  });

  it('validates bodies with the field named', async () => {
    const admin = await app.as('admin');
    const short = await admin.fetch('/api/users', { method: 'POST', json: { username: 'shorty', password: 'short', role: 'viewer' } });
    assert.equal(short.status, 400);
    assert.match(((await short.json()) as { error: string }).error, /password: at least 10 characters/);
    const badRole = await admin.fetch('/api/users', { method: 'POST', json: { username: 'x2', password: 'long enough pw', role: 'root' } });
    assert.equal(badRole.status, 400);
    assert.match(((await badRole.json()) as { error: string }).error, /^role:/);
    const text = await admin.fetch('/api/users', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'username=x' });
    assert.equal(text.status, 415);
  });

  it('lets API tokens act without CSRF, never above their owner, until revoked', async () => {
    const operator = await app.as('operator');
    const tooHigh = await operator.fetch('/api/tokens', { method: 'POST', json: { name: 'ci', role: 'admin' } });
    assert.equal(tooHigh.status, 403);
    const made = await operator.fetch('/api/tokens', { method: 'POST', json: { name: 'ci', role: 'viewer' } });
    assert.equal(made.status, 201);
    const { token, info } = (await made.json()) as { token: string; info: { id: string; prefix: string } };
    assert.match(token, /^sxr_[0-9A-Za-z]{40}$/);
    assert.equal(token.slice(0, 8), info.prefix);
    const row = await app.db.apiToken.findUniqueOrThrow({ where: { id: info.id } });
    assert.notEqual(row.tokenHash, token, 'only the hash is stored');
    const bearer = { authorization: `Bearer ${token}` };
    const list = await fetch(`${app.url}/api/tokens`, { headers: bearer });
    assert.equal(list.status, 200);
    // A viewer token can create a viewer token (POST) without any CSRF header.
    assert.equal((await fetch(`${app.url}/api/tokens`, { method: 'POST', headers: { ...bearer, ...json }, body: JSON.stringify({ name: 'child' }) })).status, 201);
    assert.equal((await operator.fetch(`/api/tokens/${info.id}`, { method: 'DELETE' })).status, 200);
    const revoked = await fetch(`${app.url}/api/tokens`, { headers: bearer });
    assert.equal(revoked.status, 401);
    assert.equal((await fetch(`${app.url}/api/tokens`, { headers: { authorization: 'Bearer sxr_nonsense' } })).status, 401);
  });

  it('ends the session at logout and refuses disabled accounts', async () => {
    const viewer = await app.as('viewer');
    assert.equal((await viewer.fetch('/api/auth/logout', { method: 'POST' })).status, 204);
    const state = await (await viewer.fetch('/api/auth/state')).json() as { user: unknown };
    assert.equal(state.user, null);
    const admin = await app.as('admin');
    const other = await app.as('operator');
    const id = (await app.db.user.findUniqueOrThrow({ where: { username: other.username } })).id;
    assert.equal((await admin.fetch(`/api/users/${id}`, { method: 'PATCH', json: { disabled: true } })).status, 200);
    assert.equal((await other.fetch('/api/tokens')).status, 401, 'disabling ends open sessions');
    const login = await fetch(`${app.url}/api/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: other.username, password: TEST_PASSWORD }) });
    assert.equal(login.status, 401);
    assert.match(((await login.json()) as { error: string }).error, /disabled/);
  });

  it('keeps one enabled admin', async () => {
    const tmp2 = tempDir('sharpxr-lastadmin-');
    const solo = await startApiApp({ dir: tmp2.dir });
    try {
      const admin = await solo.as('admin');
      const id = (await solo.db.user.findUniqueOrThrow({ where: { username: admin.username } })).id;
      const res = await admin.fetch(`/api/users/${id}`, { method: 'PATCH', json: { role: 'viewer' } });
      assert.equal(res.status, 409);
      assert.equal((await admin.fetch(`/api/users/${id}`, { method: 'DELETE' })).status, 409);
    } finally {
      await solo.close();
      tmp2.cleanup();
    }
  });

  it('documents every route in /api/openapi.json with its role', async () => {
    const doc = (await (await fetch(`${app.url}/api/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, { 'x-role': string; requestBody?: unknown }>> };
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.paths['/api/users']?.post?.['x-role'], 'admin');
    assert.equal(doc.paths['/api/auth/login']?.post?.['x-role'], 'public');
    assert.ok(doc.paths['/api/users/{id}']?.patch?.requestBody);
  });
});

describe('sharpxr user', () => {
  it('creates the first admin on the server, who can then log in', async () => {
    const tmp = tempDir('sharpxr-usercli-');
    const config = join(tmp.dir, 'node.yaml');
    writeFileSync(config, 'dataDir: var\n');
    const pw = join(tmp.dir, 'pw');
    writeFileSync(pw, 'a long enough secret\n');
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
    assert.equal(await main(['user', 'add', 'Chief', '--admin', '--password-file', pw, '--config', config], io), 0, out.join('\n'));
    assert.equal(await main(['user', 'add', 'chief', '--password-file', pw, '--config', config], io), 1, 'taken');
    writeFileSync(pw, 'short\n');
    assert.equal(await main(['user', 'add', 'other', '--password-file', pw, '--config', config], io), 1);
    assert.match(out.join('\n'), /password: at least 10 characters/);
    const app = await startApiApp({ dir: tmp.dir });
    try {
      const res = await fetch(`${app.url}/api/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'chief', password: 'a long enough secret' }) });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { user: { role: string } }).user.role, 'admin');
      const audit = await listAudit(app.db, { action: 'user.create' });
      assert.match(audit[0]?.actor ?? '', /^cli:/);
    } finally {
      await app.close();
      tmp.cleanup();
    }
  });
});
