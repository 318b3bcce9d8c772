// The destinations, rules and settings API on the real router, authenticator and a migrated
// SQLite database: roles (anonymous 401, viewer 403 on edits, operator 403 on settings, CSRF),
// config-style validation errors listing every field or rule path, audit rows with before and
// after, and "test connection" as a real C-ECHO: DCMTK's storescp (ok), a closed port
// (refused), Orthanc checking the called AE title (rejected, with the reason), and a peer that
// accepts the connection and never answers (timeout).
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { registerDestinationRoutes } from '../../server/src/api/routes/destinations.js';
import { registerRuleRoutes } from '../../server/src/api/routes/rules.js';
import { registerSettingsRoutes } from '../../server/src/api/routes/settings.js';
import { parseNodeConfig } from '../../server/src/config/index.js';
import { recordInstance } from '../../server/src/db/index.js';
import { RuntimeSettings } from '../../server/src/settings/index.js';
import { freePort, startStorescp, type Storescp } from '../helpers/dcmtk.js';
import { dcmtkMissing, orthancMissing, startOrthanc, type OrthancHandle } from '../helpers/orthanc.js';
import { openMigratedDb, startApiApp, type ApiApp, type Client } from './api-fixture.js';
import { tempDir } from './helpers.js';

const skip = dcmtkMissing() ?? false;

interface Body { [key: string]: unknown }
async function json(res: Response, status: number): Promise<Body> {
  const text = await res.text();
  assert.equal(res.status, status, text);
  return text ? (JSON.parse(text) as Body) : {};
}

describe('destinations, rules and settings API', { skip }, () => {
  const tmp = tempDir('sharpxr-api-dest-');
  let app: ApiApp;
  let settings: RuntimeSettings;
  let scp: Storescp;
  let viewer: Client;
  let operator: Client;
  let admin: Client;
  let silent: Server;
  const silentSockets: Socket[] = [];

  before(async () => {
    scp = await startStorescp(join(tmp.dir, 'scp'), { aeTitle: 'STORESCP' });
    const db = await openMigratedDb(tmp.dir);
    const config = parseNodeConfig({
      model: { path: '/m.onnx' }, dataDir: join(tmp.dir, 'var'),
      destinations: [{ name: 'pacs', aeTitle: 'STORESCP', host: '127.0.0.1', port: scp.port }],
    }, tmp.dir);
    settings = await RuntimeSettings.load(db, config);
    app = await startApiApp({
      dir: tmp.dir, db,
      register: (api) => {
        registerDestinationRoutes(api, { settings, echoTimeoutMs: 1_500 });
        registerRuleRoutes(api, { settings, db });
        registerSettingsRoutes(api, { settings });
      },
    });
    [viewer, operator, admin] = [await app.as('viewer'), await app.as('operator'), await app.as('admin')];
    silent = createServer((socket) => silentSockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    for (const s of silentSockets) s.destroy();
    await new Promise<void>((r) => silent?.close(() => r()));
    await app?.close();
    await app?.db.$disconnect();
    await scp?.stop();
    tmp.cleanup();
  });

  async function lastAudit(action: string): Promise<{ actor: string; subject: string; detail: Body }> {
    const row = await app.db.auditEvent.findFirst({ where: { action }, orderBy: [{ at: 'desc' }, { id: 'desc' }] });
    assert.ok(row, `no ${action} audit row`);
    return { actor: row.actor, subject: row.subject, detail: JSON.parse(row.detailJson ?? 'null') as Body };
  }

  it('lists the config file\'s destination for a viewer; anonymous 401; edits need operator and CSRF', async () => {
    await json(await app.anonymous().fetch('/api/destinations'), 401);
    const list = await json(await viewer.fetch('/api/destinations'), 200);
    assert.deepEqual((list.items as Body[]).map((d) => [d.name, d.source, d.enabled]), [['pacs', 'config', true]]);
    const add = { name: 'x', aeTitle: 'X', host: '127.0.0.1', port: 104 };
    const denied = await json(await viewer.fetch('/api/destinations', { method: 'POST', json: add }), 403);
    assert.match(String(denied.error), /needs the operator role/);
    assert.equal((await lastAudit('auth.denied')).actor, viewer.username);
    await json(await viewer.fetch('/api/destinations/pacs', { method: 'DELETE' }), 403);
    await json(await viewer.fetch('/api/destinations/pacs/echo', { method: 'POST' }), 403);
    await json(await operator.fetch('/api/destinations', { method: 'POST', json: add, headers: { 'x-csrf-token': 'wrong' } }), 403);
    assert.equal(settings.destination('x'), undefined);
  });

  it('creates, edits and deletes with audit rows carrying before and after', async () => {
    const created = await json(await operator.fetch('/api/destinations', { method: 'POST', json: { name: 'second', aeTitle: 'STORESCP', host: '127.0.0.1', port: String(scp.port) } }), 201);
    assert.deepEqual([created.source, created.port, created.updatedBy], ['console', scp.port, operator.username]);
    let audit = await lastAudit('destination.create');
    assert.deepEqual([audit.actor, audit.subject, audit.detail.before], [operator.username, 'destination:second', null]);
    assert.deepEqual(audit.detail.after, { name: 'second', aeTitle: 'STORESCP', host: '127.0.0.1', port: scp.port, secondaryCapture: false, enabled: true, deleted: false, source: 'console' });
    assert.deepEqual(settings.destinations().map((d) => d.name), ['pacs', 'second'], 'the worker sees it at once');

    const edited = await json(await operator.fetch('/api/destinations/pacs', { method: 'PUT', json: { secondaryCapture: true, enabled: false } }), 200);
    assert.deepEqual([edited.source, edited.secondaryCapture, edited.enabled], ['console-override', true, false]);
    audit = await lastAudit('destination.update');
    assert.deepEqual([(audit.detail.before as Body).enabled, (audit.detail.after as Body).enabled, (audit.detail.after as Body).source], [true, false, 'console-override']);
    assert.deepEqual(settings.destinations().map((d) => d.name), ['second'], 'disabled: not sent to');

    await json(await operator.fetch('/api/destinations/pacs', { method: 'DELETE' }), 204);
    audit = await lastAudit('destination.delete');
    assert.deepEqual([(audit.detail.before as Body).deleted, (audit.detail.after as Body).deleted], [false, true]);
    const listed = (await json(await viewer.fetch('/api/destinations'), 200)).items as Body[];
    assert.deepEqual(listed.map((d) => [d.name, d.deleted]), [['pacs', true], ['second', false]], 'a deleted config destination stays listed to be restored');
    const restored = await json(await operator.fetch('/api/destinations/pacs/revert', { method: 'POST' }), 200);
    assert.deepEqual([restored.source, restored.enabled, restored.secondaryCapture, restored.deleted], ['config', true, false, false]);
    assert.equal((await lastAudit('destination.revert')).detail.after !== null, true);
    await json(await operator.fetch('/api/destinations/nope', { method: 'PUT', json: { port: 1 } }), 404);
    const dup = await json(await operator.fetch('/api/destinations', { method: 'POST', json: { name: 'pacs', aeTitle: 'A', host: 'h', port: 1 } }), 409);
    assert.match(String(dup.error), /exists already/);
  });

  it('400 names every wrong field in the config file\'s words, and writes nothing', async () => {
    const before = await app.db.destinationSetting.count();
    const bad = await json(await operator.fetch('/api/destinations', { method: 'POST', json: { name: 'bad', aeTitle: 'WAY_TOO_LONG_AE_TITLE', host: ' ', port: 'x' } }), 400);
    const lines = String(bad.detail).split('\n');
    assert.deepEqual(lines, [
      'aeTitle: "WAY_TOO_LONG_AE_TITLE" is not an AE title (1-16 characters, no backslash)',
      'host: required',
      'port: expected a number, got "x"',
    ]);
    assert.match(String(bad.error), /^invalid destination \(3 problems\): aeTitle: .*; host: required; port: /);
    const extra = await json(await operator.fetch('/api/destinations', { method: 'POST', json: { name: 'b', aeTitle: 'B', host: 'h', port: 1, colour: 'red' } }), 400);
    assert.match(String(extra.error), /colour/);
    assert.equal(await app.db.destinationSetting.count(), before);
  });

  it('C-ECHO: ok against storescp, refused on a closed port, timeout on a silent peer', async () => {
    const ok = await json(await operator.fetch('/api/destinations/second/echo', { method: 'POST' }), 200);
    assert.deepEqual([ok.ok, ok.status, ok.error, ok.callingAeTitle], [true, 0, null, 'SHARPXR']);
    assert.ok(typeof ok.ms === 'number' && ok.ms >= 0 && ok.ms < 1_500, String(ok.ms));

    const closed = await freePort();
    const refused = await json(await operator.fetch('/api/destinations/echo', { method: 'POST', json: { aeTitle: 'PACS', host: '127.0.0.1', port: closed } }), 200);
    assert.deepEqual([refused.ok, refused.retryable], [false, true]);
    assert.equal(refused.error, `unsaved (PACS@127.0.0.1:${closed}): connection refused (nothing listening?)`);

    const port = (silent.address() as { port: number }).port;
    const slow = await json(await operator.fetch('/api/destinations/echo', { method: 'POST', json: { name: 'slow', aeTitle: 'PACS', host: '127.0.0.1', port } }), 200);
    assert.equal(slow.ok, false);
    assert.match(String(slow.error), /^slow \(PACS@127\.0\.0\.1:\d+\): no answer within 1500 ms \(negotiating the association\)$/);
    assert.ok(Number(slow.ms) >= 1_400, String(slow.ms));

    const invalid = await json(await operator.fetch('/api/destinations/echo', { method: 'POST', json: { aeTitle: '', host: 'h', port: 0 } }), 400);
    assert.match(String(invalid.detail), /aeTitle: required\nport: expected an integer in \[1, 65535\], got 0/);
    await json(await operator.fetch('/api/destinations/nope/echo', { method: 'POST' }), 404);
  });

  it('C-ECHO to Orthanc under a wrong called AE title: rejected, and the reason says what to fix', { skip: orthancMissing() ?? false }, async () => {
    let orthanc: OrthancHandle | undefined;
    try {
      orthanc = await startOrthanc({ aet: 'ORTHANC', checkCalledAet: true });
      const right = await json(await operator.fetch('/api/destinations/echo', { method: 'POST', json: { aeTitle: 'ORTHANC', host: '127.0.0.1', port: orthanc.dicomPort } }), 200);
      assert.equal(right.ok, true, String(right.error));
      const wrong = await json(await operator.fetch('/api/destinations/echo', { method: 'POST', json: { name: 'pacs2', aeTitle: 'NOT_ORTHANC', host: '127.0.0.1', port: orthanc.dicomPort } }), 200);
      assert.deepEqual([wrong.ok, wrong.retryable], [false, false]);
      assert.match(String(wrong.error), /^association rejected \(permanent\) by pacs2 \(NOT_ORTHANC@127\.0\.0\.1:\d+\): called AE title "NOT_ORTHANC" not recognized: check the destination's AE title$/);
    } finally {
      await orthanc?.stop();
    }
  });

  it('rules: viewer reads, operator replaces (400 lists every path), tests an instance, resets; audited', async () => {
    const current = await json(await viewer.fetch('/api/rules'), 200);
    assert.equal(current.source, 'default');
    assert.match(String(current.yaml), /name: chest\n/);
    await json(await viewer.fetch('/api/rules', { method: 'PUT', json: { rules: [{ name: 'a' }] } }), 403);
    const bad = await json(await operator.fetch('/api/rules', { method: 'PUT', json: { yaml: '- name: a\n  modality: []\n- name: a\n  seriesDescription: "(x"\n' } }), 400);
    const issues = String(bad.detail).split('\n');
    assert.equal(issues.length, 3, String(bad.detail));
    assert.match(issues[0]!, /^rules\[0\]\.modality: the list is empty/);
    assert.match(issues[1]!, /^rules\[1\]\.name: duplicate rule name "a"$/);
    assert.match(issues[2]!, /^rules\[1\]\.seriesDescription: invalid regex/);
    assert.match(String(bad.error), /^invalid selection rules \(3 problems\): rules\[0\]\.modality/);
    await json(await operator.fetch('/api/rules', { method: 'PUT', json: { yaml: 'x: [' } }), 400);

    const base = {
      sopClassUid: '1.2.840.10008.5.1.4.1.1.1', transferSyntaxUid: '1.2.840.10008.1.2.1', studyInstanceUid: '1.2.3', seriesInstanceUid: '1.2.3.4',
      path: '/x.dcm', sizeBytes: 1, callingAeTitle: 'MOD', associationId: 'a', receivedAt: new Date(),
    };
    const knee = await recordInstance(app.db, { ...base, sopInstanceUid: '1.2.826.0.1.9', modality: 'CR', bodyPartExamined: 'KNEE' }, { selected: false, reason: 'no rule' });
    const now = await json(await operator.fetch('/api/rules/test', { method: 'POST', json: { instanceId: knee.id } }), 200);
    assert.deepEqual([now.selected, now.rule, now.ruleSet], [false, null, 'default']);
    assert.equal(now.reason, 'skipped: no rule matched (Modality=CR, BodyPartExamined=KNEE, ViewPosition=(empty))');
    const proposed = [{ name: 'knees', modality: 'CR', bodyPartExamined: ['KNEE'] }];
    const tried = await json(await operator.fetch('/api/rules/test', { method: 'POST', json: { sopInstanceUid: '1.2.826.0.1.9', rules: proposed } }), 200);
    assert.deepEqual([tried.selected, tried.rule, tried.ruleSet], [true, 'knees', 'proposed']);
    assert.equal(settings.rulesState().source, 'default', 'testing saves nothing');
    await json(await operator.fetch('/api/rules/test', { method: 'POST', json: { sopInstanceUid: '9.9' } }), 404);
    await json(await operator.fetch('/api/rules/test', { method: 'POST', json: { instanceId: knee.id, rules: [{ name: 1 }] } }), 400);
    const recent = await json(await operator.fetch('/api/rules/recent-instances'), 200);
    assert.deepEqual((recent.items as Body[]).map((i) => i.id), [knee.id]);

    const saved = await json(await operator.fetch('/api/rules', { method: 'PUT', json: { rules: proposed } }), 200);
    assert.deepEqual([saved.source, saved.updatedBy], ['console', operator.username]);
    const audit = await lastAudit('rules.update');
    assert.equal((audit.detail.before as Body).source, 'default');
    assert.deepEqual(audit.detail.after, { source: 'console', rules: proposed });
    assert.equal((await json(await operator.fetch('/api/rules/test', { method: 'POST', json: { instanceId: knee.id } }), 200)).selected, true);
    const reset = await json(await operator.fetch('/api/rules', { method: 'DELETE' }), 200);
    assert.equal(reset.source, 'default');
    assert.equal((await lastAudit('rules.reset')).detail.before !== null, true);
  });

  it('settings: admin only; every value with source and live/restart; 400 lists every key; audited', async () => {
    await json(await operator.fetch('/api/settings'), 403);
    await json(await operator.fetch('/api/settings', { method: 'PUT', json: { retentionDays: 1 } }), 403);
    const list = await json(await admin.fetch('/api/settings'), 200);
    const items = list.items as Body[];
    assert.deepEqual(items.map((i) => [i.id, i.live, i.source]), [
      ['aeTitle', false, 'default'], ['dicomPort', false, 'default'], ['httpPort', false, 'default'],
      ['dataDir', false, 'config'], ['retentionDays', true, 'default'], ['guardPolicy', true, 'default'],
    ]);
    const bad = await json(await admin.fetch('/api/settings', { method: 'PUT', json: { dicomPort: 'eleven', guardPolicy: 'maybe' } }), 400);
    assert.deepEqual(String(bad.detail).split('\n'), ['dicom.port: expected a number, got "eleven"', 'processing.guardPolicy: expected one of send-marked, hold, got "maybe"']);
    const changed = await json(await admin.fetch('/api/settings', { method: 'PUT', json: { guardPolicy: 'hold', dicomPort: 11200 } }), 200);
    assert.equal(changed.restartRequired, true);
    assert.equal(settings.guardPolicy(), 'hold');
    const audit = await lastAudit('settings.update');
    assert.deepEqual(audit.detail, {
      before: { dicomPort: { value: 11112, source: 'default' }, guardPolicy: { value: 'send-marked', source: 'default' } },
      after: { dicomPort: { value: 11200, source: 'console' }, guardPolicy: { value: 'hold', source: 'console' } },
      restartRequired: ['dicomPort'],
    });
    assert.equal(audit.actor, admin.username);
    const back = await json(await admin.fetch('/api/settings', { method: 'PUT', json: { guardPolicy: null, dicomPort: null } }), 200);
    assert.equal(back.restartRequired, false);
  });
});
