// /api/models on the real router, auth and database (tests/server/api-fixture.ts): who may do
// what (anonymous 401, a viewer reads, an operator uploads, only an admin promotes, rolls back,
// shadows and retires; CSRF on session writes), upload validation over HTTP (raw
// application/octet-stream, 201 with the report or 400/422 with the failing check), and the
// audit rows naming the user.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { registerModelRoutes } from '../../server/src/api/routes/models.js';
import { ModelRegistry, syncShippedModels, systemAudit } from '../../server/src/registry/index.js';
import { openMigratedDb, startApiApp, type ApiApp, type Client } from './api-fixture.js';
import type { Database } from '../../server/src/db/index.js';
import { shippedModels, tempDir } from './helpers.js';
import { exportTestModels } from './registry-fixture.js';

const SHIPPED = await shippedModels();
const OCTETS = { 'content-type': 'application/octet-stream' };

describe('/api/models', () => {
  const tmp = tempDir('sharpxr-models-api-');
  let app: ApiApp;
  let viewer: Client;
  let operator: Client;
  let admin: Client;
  let valid: Buffer;
  let wrongInput: Buffer;
  let uploadedId: string;
  let db: Database;

  before(async () => {
    const [v, w] = exportTestModels(tmp.dir, [{ kind: 'valid', name: 'tiny-api', version: '2.0.0' }, { kind: 'wrong-input', name: 'tiny-api-wrong', version: '1.0.0' }]);
    valid = readFileSync(v!);
    wrongInput = readFileSync(w!);
    db = await openMigratedDb(tmp.dir);
    const registry = new ModelRegistry(db, { modelsDir: join(tmp.dir, 'models'), validate: { threads: 2 } });
    await syncShippedModels(registry, { configuredModelPath: SHIPPED.default.file, audit: systemAudit(db, 'system') });
    app = await startApiApp({ dir: tmp.dir, db, register: (api) => registerModelRoutes(api, { registry, uploadLimitBytes: 2 * 1024 * 1024 }) });
    [viewer, operator, admin] = [await app.as('viewer'), await app.as('operator'), await app.as('admin')];
  });
  after(async () => {
    await app?.close();
    await db?.$disconnect();
    tmp.cleanup();
  });

  const upload = (who: Client, bytes: Buffer, query = '') => who.fetch(`/api/models${query}`, { method: 'POST', headers: OCTETS, body: bytes });

  it('lists the registry for a viewer, not for anonymous callers', async () => {
    assert.equal((await app.anonymous().fetch('/api/models')).status, 401);
    const res = await viewer.fetch('/api/models');
    assert.equal(res.status, 200);
    const body = (await res.json()) as { items: { name: string; status: string; metadata: Record<string, string>; jobs: { total: number } }[]; active: string | null };
    const expected = SHIPPED.all.map((m) => `${m.name}:${m === SHIPPED.default ? 'active' : 'registered'}`).sort();
    assert.deepEqual(body.items.map((m) => `${m.name}:${m.status}`).sort(), expected, 'every shipped model, the default active');
    const active = body.items.find((m) => m.status === 'active')!;
    assert.equal(active.name, SHIPPED.default.name);
    assert.deepEqual(active.metadata, SHIPPED.default.metadata);
    assert.equal(active.jobs.total, 0);
    assert.ok(body.active);
    assert.equal((await viewer.fetch(`/api/models/${body.active}`)).status, 200);
    assert.equal((await viewer.fetch('/api/models/nope')).status, 404);
  });

  it('lets an operator upload (201 with the validation report), not a viewer', async () => {
    assert.equal((await upload(viewer, valid)).status, 403);
    assert.equal((await upload(app.anonymous(), valid)).status, 401);
    const res = await upload(operator, valid, `?metrics=${encodeURIComponent(JSON.stringify({ evaluation: { psnr: 30.1 } }))}`);
    assert.equal(res.status, 201, await res.clone().text());
    const body = (await res.json()) as { model: { id: string; name: string; status: string; createdBy: string; metrics: Record<string, unknown> }; report: { ok: boolean; checks: { name: string; ok: boolean }[] } };
    assert.equal(body.report.ok, true);
    assert.deepEqual([body.model.name, body.model.status, body.model.createdBy], ['tiny-api', 'registered', operator.username]);
    assert.deepEqual(body.model.metrics.evaluation, { psnr: 30.1 });
    uploadedId = body.model.id;
    const row = await app.db.auditEvent.findFirst({ where: { action: 'model.upload', subject: `model:${uploadedId}` } });
    assert.equal(row?.actor, operator.username);
    assert.ok(row?.ip);
  });

  it('refuses bad uploads with the reason', async () => {
    const garbage = await upload(operator, Buffer.from('GIF89a not a model at all'));
    assert.equal(garbage.status, 400);
    assert.match(((await garbage.json()) as { error: string }).error, /not a loadable ONNX model/);
    const wrong = await upload(operator, wrongInput);
    assert.equal(wrong.status, 422);
    const body = (await wrong.json()) as { error: string; detail: string };
    assert.match(body.error, /contract/);
    assert.match(body.detail, /inputs are \["image"\]/);
    assert.equal((await upload(operator, valid)).status, 409, 'the same name and version again');
    const json = await operator.fetch('/api/models', { method: 'POST', json: {} });
    assert.equal(json.status, 415, 'the file must come as application/octet-stream');
    assert.equal((await upload(operator, valid, '?metrics=%7Bnope')).status, 400);
    assert.equal((await upload(operator, Buffer.alloc(3 * 1024 * 1024, 1))).status, 413, 'over the upload limit');
    const failed = await app.db.auditEvent.count({ where: { action: 'model.upload', outcome: 'failed', actor: operator.username } });
    assert.ok(failed >= 3, `failed uploads audited (${failed})`);
  });

  it('lets only an admin promote, shadow, roll back and retire', async () => {
    for (const [method, path] of [['POST', `/api/models/${uploadedId}/promote`], ['POST', '/api/models/rollback'], ['POST', `/api/models/${uploadedId}/shadow`], ['DELETE', '/api/models/shadow'], ['DELETE', `/api/models/${uploadedId}`]] as const) {
      assert.equal((await viewer.fetch(path, { method })).status, 403, `viewer ${method} ${path}`);
      assert.equal((await operator.fetch(path, { method })).status, 403, `operator ${method} ${path}`);
      assert.equal((await app.anonymous().fetch(path, { method })).status, 401, `anonymous ${method} ${path}`);
    }
    const noCsrf = await admin.fetch(`/api/models/${uploadedId}/promote`, { method: 'POST', headers: { 'x-csrf-token': 'wrong' } });
    assert.equal(noCsrf.status, 403, 'a session write needs its CSRF token');
    const denied = await app.db.auditEvent.count({ where: { action: 'auth.denied', actor: viewer.username } });
    assert.ok(denied >= 5, 'refusals of logged-in users are audited');

    const shadow = await admin.fetch(`/api/models/${uploadedId}/shadow`, { method: 'POST' });
    assert.equal(shadow.status, 200);
    assert.equal(((await shadow.json()) as { status: string }).status, 'shadow');
    const promote = await admin.fetch(`/api/models/${uploadedId}/promote`, { method: 'POST' });
    assert.equal(promote.status, 200);
    const promoted = (await promote.json()) as { model: { status: string }; previous: { name: string } };
    assert.deepEqual([promoted.model.status, promoted.previous.name], ['active', SHIPPED.default.name]);
    assert.equal((await admin.fetch(`/api/models/${uploadedId}`, { method: 'DELETE' })).status, 409, 'the active model cannot be retired');
    const back = await admin.fetch('/api/models/rollback', { method: 'POST' });
    assert.equal(back.status, 200);
    assert.equal(((await back.json()) as { model: { name: string } }).model.name, SHIPPED.default.name);
    const retire = await admin.fetch(`/api/models/${uploadedId}`, { method: 'DELETE' });
    assert.equal(retire.status, 200);
    assert.equal(((await retire.json()) as { status: string }).status, 'retired');
    const actions = (await app.db.auditEvent.findMany({ where: { actor: admin.username, action: { startsWith: 'model.' } }, orderBy: { at: 'asc' } })).map((a) => a.action);
    assert.deepEqual(actions, ['model.shadow', 'model.promote', 'model.rollback', 'model.retire']);
  });

  it('documents the routes in the OpenAPI document with their roles', async () => {
    const doc = (await (await viewer.fetch('/api/openapi.json')).json()) as { paths: Record<string, Record<string, { 'x-role'?: string }>> };
    assert.equal(doc.paths['/api/models']?.post?.['x-role'] ?? doc.paths['/models']?.post?.['x-role'], 'operator');
  });
});
