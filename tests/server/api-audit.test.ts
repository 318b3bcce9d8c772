// GET /api/audit and /api/audit/facets on the real router, auth and database: rows written by
// what people really do over HTTP (logins, a wrong password, a viewer refused) and dated rows
// recorded with the node's own audit call; who may read the trail (anonymous 401, viewer 403
// and audited, operator and admin yes, tokens too); every filter, exact and prefix; inclusive
// date ranges with date-only bounds covering the whole UTC day; keyset pages in order, once
// each, stable while new rows arrive; the values of a row; 400s naming the field.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { registerAuditRoutes } from '../../server/src/api/routes/audit.js';
import { recordAudit } from '../../server/src/db/index.js';
import { auditSchema } from '../../server/src/jobs/schemas.js';
import { startApiApp, TEST_PASSWORD, type ApiApp, type Client } from './api-fixture.js';
import { call, errorOf } from './api-jobs-fixture.js';
import { tempDir } from './helpers.js';

const pageSchema = z.object({ items: z.array(auditSchema), nextCursor: z.string().nullable() });
const facetsSchema = z.object({ actions: z.array(z.string()), actors: z.array(z.string()), since: z.string() });
type Page = z.infer<typeof pageSchema>;
const OLD = ['2024-03-01T10:00:00.000Z', '2024-03-02T00:00:00.000Z', '2024-03-02T23:59:59.999Z', '2024-03-03T00:00:00.000Z'];

describe('audit API', () => {
  const tmp = tempDir('sharpxr-api-audit-');
  let app: ApiApp;
  let viewer: Client;
  let operator: Client;
  let admin: Client;

  before(async () => {
    app = await startApiApp({ dir: tmp.dir, register: (api, { db }) => registerAuditRoutes(api, { db }) });
    [viewer, operator, admin] = [await app.as('viewer'), await app.as('operator'), await app.as('admin')];
    const wrong = await fetch(`${app.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: operator.username, password: `${TEST_PASSWORD}!` }) });
    assert.equal(wrong.status, 401);
    for (const [i, at] of OLD.entries()) {
      await recordAudit(app.db, { at: new Date(at), actor: 'worker-1', action: i % 2 ? 'job.retry' : 'job.dead-lettered', subject: `job:old${i}`, detail: { error: `E${i}`, attempt: i } });
    }
    // Seven rows in one millisecond: the pages must break the tie by id.
    const tie = new Date('2024-03-05T12:00:00.000Z');
    for (let i = 0; i < 7; i++) await recordAudit(app.db, { at: tie, actor: 'system', action: 'model.promote', subject: `model:m${i}`, detail: { name: 'sharpxr', version: `1.${i}` } });
  });
  after(async () => {
    await app?.close();
    tmp.cleanup();
  });

  it('is for operators and admins: anonymous 401, a viewer 403 (audited as denied)', async () => {
    assert.equal((await app.anonymous().fetch('/api/audit')).status, 401);
    assert.equal((await app.anonymous().fetch('/api/audit/facets')).status, 401);
    assert.equal((await viewer.fetch('/api/audit')).status, 403);
    assert.equal((await viewer.fetch('/api/audit/facets')).status, 403);
    assert.equal((await (await app.withToken('viewer')).fetch('/api/audit')).status, 403);
    await call(admin, '/api/audit', 200, {}, pageSchema);
    await call(await app.withToken('operator'), '/api/audit?limit=1', 200, {}, pageSchema);
    const denied = await call(operator, `/api/audit?action=auth.denied&actor=${viewer.username}`, 200, {}, pageSchema);
    assert.deepEqual(denied.items.map((e) => [e.subject, e.outcome]), [['route:GET /audit/facets', 'denied'], ['route:GET /audit', 'denied']]);
    assert.match(String((denied.items[0]!.detail as { reason?: string }).reason), /operator/);
  });

  it('shows who logged in, from where, and the failed attempt with its reason', async () => {
    const logins = await call(operator, '/api/audit?action=auth.login', 200, {}, pageSchema);
    const ok = logins.items.filter((e) => e.outcome === 'ok').map((e) => e.actor);
    assert.deepEqual(new Set(ok), new Set([viewer.username, operator.username, admin.username]));
    const failed = await call(operator, '/api/audit?outcome=failed', 200, {}, pageSchema);
    assert.equal(failed.items.length, 1);
    const f = failed.items[0]!;
    assert.deepEqual([f.action, f.actor, f.subject], ['auth.login', operator.username, `user:${operator.username}`]);
    assert.deepEqual(f.detail, { reason: 'wrong user name or password' });
    assert.match(f.ip ?? '', /127\.0\.0\.1/);
    assert.ok(Math.abs(Date.parse(f.at) - Date.now()) < 60_000, f.at);
    const worker = await call(operator, '/api/audit?subject=job:old0', 200, {}, pageSchema);
    assert.deepEqual(worker.items.map((e) => [e.at, e.actor, e.action, e.outcome, e.ip, e.detail]), [[OLD[0], 'worker-1', 'job.dead-lettered', 'ok', null, { error: 'E0', attempt: 0 }]]);
  });

  it('filters by action, actor, subject and outcome, exactly or by prefix', async () => {
    const actions = async (qs: string): Promise<string[]> => (await call(operator, `/api/audit?${qs}`, 200, {}, pageSchema)).items.map((e) => e.action);
    assert.deepEqual(new Set(await actions('action=job.')), new Set(['job.retry', 'job.dead-lettered']));
    assert.deepEqual(await actions('action=job*'), await actions('action=job.'));
    assert.deepEqual(await actions('action=job'), [], 'without a dot or star the action is exact');
    assert.equal((await actions('actor=worker-1')).length, 4);
    assert.equal((await actions('actor=worker')).length, 0, 'the actor is exact');
    assert.equal((await actions('subject=model:')).length, 7);
    assert.equal((await actions('subject=model:m3')).length, 1);
    assert.deepEqual(await actions(`subject=user:${admin.username}&action=auth.login`), ['auth.login']);
    assert.deepEqual(await actions('action=job.&outcome=denied'), []);
    assert.deepEqual(new Set(await actions('outcome=denied')), new Set(['auth.denied']));
  });

  it('takes inclusive date ranges; a date alone covers its whole UTC day', async () => {
    const ats = async (qs: string): Promise<string[]> => (await call(operator, `/api/audit?action=job.&${qs}`, 200, {}, pageSchema)).items.map((e) => e.at);
    assert.deepEqual(await ats('from=2024-03-02&to=2024-03-02'), [OLD[2], OLD[1]]);
    assert.deepEqual(await ats('from=2024-03-02'), [OLD[3], OLD[2], OLD[1]]);
    assert.deepEqual(await ats('to=2024-03-01'), [OLD[0]]);
    assert.deepEqual(await ats(`from=${encodeURIComponent('2024-03-01T10:00:00.000Z')}&to=${encodeURIComponent('2024-03-02T00:00:00Z')}`), [OLD[1], OLD[0]]);
    assert.deepEqual(await ats('from=2024-03-04'), []);
  });

  it('pages newest first, every row once, stable while new rows arrive', async () => {
    const all = await call(operator, '/api/audit', 200, {}, pageSchema);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const p: Page = await call(operator, `/api/audit?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, 200, {}, pageSchema);
      seen.push(...p.items.map((e) => e.id));
      cursor = p.nextCursor;
      // New rows at the top (a login) must not shift the pages already being read.
      if (++pages === 2) await app.as('viewer');
    } while (cursor);
    assert.deepEqual(seen, all.items.map((e) => e.id), 'the pages are the list as it was, in order, once each');
    const ats = all.items.map((e) => e.at);
    assert.deepEqual(ats, [...ats].sort().reverse(), 'newest first');
    const tied = (await call(operator, '/api/audit?subject=model:&limit=3', 200, {}, pageSchema));
    assert.equal(tied.items.length, 3);
    const rest = await call(operator, `/api/audit?subject=model:&cursor=${encodeURIComponent(tied.nextCursor!)}`, 200, {}, pageSchema);
    assert.equal(rest.nextCursor, null);
    assert.equal(new Set([...tied.items, ...rest.items].map((e) => e.subject)).size, 7, 'rows of one millisecond split across pages, none lost or repeated');
  });

  it('suggests the recent actions and actors', async () => {
    const f = await call(operator, '/api/audit/facets', 200, {}, facetsSchema);
    for (const a of ['auth.login', 'auth.denied']) assert.ok(f.actions.includes(a), a);
    assert.ok(!f.actions.includes('job.retry'), 'the 2024 rows are older than 30 days');
    assert.ok(f.actors.includes(admin.username) && f.actors.includes(viewer.username));
    assert.deepEqual(f.actions, [...f.actions].sort());
    const year = await call(operator, '/api/audit/facets?days=365', 200, {}, facetsSchema);
    assert.ok(Date.parse(year.since) < Date.parse(f.since));
    assert.match(errorOf(await call(operator, '/api/audit/facets?days=0', 400)), /days/);
  });

  it('refuses bad filters with 400 naming the field', async () => {
    for (const [qs, field] of [['outcome=maybe', 'outcome'], ['from=yesterday', 'from'], ['to=2024-13-45', 'to'], ['limit=501', 'limit'], ['limit=0', 'limit'], ['cursor=nope', 'cursor'], ['who=me', 'who']]) {
      assert.match(errorOf(await call(operator, `/api/audit?${qs}`, 400)), new RegExp(field!), qs);
    }
  });
});
