// Console changes reach a running node without a restart, end to end: a real `sharpxr start`
// child process, DCMTK storescu sending it a radiograph and two storescp peers as PACS. A
// destination added through the API receives the next derived instance; once deleted, it gets
// no more. Rules and the guard policy changed through the API decide the next instance. A port
// changed in the settings waits for the restart, and the restarted node listens on it.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createUser } from '../../server/src/auth/index.js';
import { openDatabase } from '../../server/src/db/index.js';
import { parseDicom } from '../../server/src/pipeline/decode/index.js';
import { echoscu, freePort, startStorescp, storescu, type Storescp } from '../helpers/dcmtk.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { dcmtkMissing } from '../helpers/orthanc.js';
import { TEST_PASSWORD } from './api-fixture.js';
import { freshFixtureCopies, sopInstanceUidOf, tempDir } from './helpers.js';

const skip = dcmtkMissing() ?? false;

/** Source SOP Instance UIDs of the derived objects a storescp wrote (their SourceImageSequence). */
function receivedSources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((name) => {
    const item = (parseDicom(readFileSync(join(dir, name))).dataset['00082112']?.Value as Record<string, { Value?: unknown[] }>[] | undefined)?.[0];
    return String(item?.['00081155']?.Value?.[0]);
  });
}

describe('console changes applied by a running node', { skip }, () => {
  const tmp = tempDir('sharpxr-live-');
  const nodeDir = join(tmp.dir, 'node');
  let first: Storescp;
  let second: Storescp;
  let node: NodeProcess;
  let session: { cookie: string; csrf: string };
  let httpPort: number;

  async function start(dicomPort: number): Promise<NodeProcess> {
    return startNodeProcess({
      dir: nodeDir, dicomPort, httpPort,
      config: {
        destinations: [{ name: 'first', aeTitle: 'FIRST', host: '127.0.0.1', port: first.port }],
        // Every image trips the guard, so the guard policy decides whether it is sent.
        processing: { maxClippedFraction: 0, guardPolicy: 'send-marked' },
        model: { tile: 256, overlap: 32 },
      },
    });
  }

  async function login(): Promise<void> {
    const res = await fetch(`${node.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'op', password: TEST_PASSWORD }) });
    assert.equal(res.status, 200, await res.clone().text());
    session = { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
  }

  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${node.httpUrl}/api${path}`, {
      method, headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) as Record<string, unknown> : {} };
  }

  /** Sends a fresh copy of the fixture CR; resolves with its UID once its job ended (or it was skipped). */
  async function sendOne(name: string, until: 'job exported' | 'job held by the guard policy (not sent)' | 'skipped'): Promise<string> {
    const [file] = freshFixtureCopies(join(tmp.dir, 'in'), [name]);
    const uid = sopInstanceUidOf(file!);
    const r = await storescu({ host: '127.0.0.1', port: node.dicomPort, aeTitle: 'SHARPXR' }, [file!]);
    assert.equal(r.code, 0, r.stderr);
    if (until === 'skipped') await node.waitForLog((l) => l.msg === 'C-STORE stored' && l.sopInstanceUid === uid && l.outcome === 'skipped', 20_000, `${name} skipped`);
    else await node.waitForLog((l) => l.msg === until && l.sopInstanceUid === uid, 60_000, `${name}: ${until}`);
    return uid;
  }

  before(async () => {
    first = await startStorescp(join(tmp.dir, 'first'), { aeTitle: 'FIRST' });
    second = await startStorescp(join(tmp.dir, 'second'), { aeTitle: 'SECOND' });
    httpPort = await freePort();
    node = await start(await freePort());
    const db = await openDatabase({ url: `file:${join(nodeDir, 'var', 'sharpxr.db')}` });
    await createUser(db, { username: 'op', password: TEST_PASSWORD, role: 'admin' });
    await db.$disconnect();
    await login();
  });
  after(async () => {
    await node?.kill9();
    await first?.stop();
    await second?.stop();
    tmp.cleanup();
  });

  it('an added destination receives the next derived instance; a deleted one does not', async () => {
    const added = await api('POST', '/destinations', { name: 'second', aeTitle: 'SECOND', host: '127.0.0.1', port: second.port });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const echo = await api('POST', '/destinations/second/echo');
    assert.equal(echo.body.ok, true, JSON.stringify(echo.body));

    const one = await sendOne('one', 'job exported');
    assert.deepEqual(receivedSources(join(tmp.dir, 'first')), [one]);
    assert.deepEqual(receivedSources(join(tmp.dir, 'second')), [one], 'the console destination got it, no restart');

    assert.equal((await api('DELETE', '/destinations/second')).status, 204);
    const two = await sendOne('two', 'job exported');
    assert.deepEqual(receivedSources(join(tmp.dir, 'first')).sort(), [one, two].sort());
    assert.deepEqual(receivedSources(join(tmp.dir, 'second')), [one], 'deleted: nothing more sent there');
    assert.ok(node.records().some((r) => r.msg === 'console settings applied' && r.change === 'destinations'));
  });

  it('the guard policy and the rules changed in the console decide the next instance', async () => {
    assert.equal((await api('PUT', '/settings', { guardPolicy: 'hold' })).status, 200);
    const held = await sendOne('held', 'job held by the guard policy (not sent)');
    assert.ok(!receivedSources(join(tmp.dir, 'first')).includes(held), 'held, not sent');

    const rules = await api('PUT', '/rules', { rules: [{ name: 'dx-only', modality: 'DX' }] });
    assert.equal(rules.status, 200, JSON.stringify(rules.body));
    const skippedUid = await sendOne('skipped', 'skipped');
    const explained = await api('POST', '/rules/test', { sopInstanceUid: skippedUid });
    assert.deepEqual([explained.body.selected, explained.body.ruleSet], [false, 'console']);
    assert.match(String(explained.body.reason), /^skipped: no rule matched \(Modality=CR,/);
    assert.deepEqual((explained.body.instance as { recorded: { status: string } }).recorded.status, 'skipped');
  });

  it('a port changed in the settings waits for the restart; the restarted node listens on it', async () => {
    const newPort = await freePort();
    const put = await api('PUT', '/settings', { dicomPort: newPort });
    const port = (put.body.items as { id: string; value: number; runningValue: number; restartRequired: boolean }[]).find((i) => i.id === 'dicomPort')!;
    assert.deepEqual([port.value, port.restartRequired], [newPort, true]);
    assert.notEqual(port.runningValue, newPort);
    assert.equal((await echoscu({ host: '127.0.0.1', port: node.dicomPort, aeTitle: 'SHARPXR' })).code, 0, 'still on the old port');
    assert.equal(await node.stop(), 0);

    node = await start(node.dicomPort);
    const started = await node.waitForLog((r) => r.msg === 'SharpXR node started', 10_000, 'start');
    assert.equal(started.dicomPort, newPort);
    assert.equal((await echoscu({ host: '127.0.0.1', port: newPort, aeTitle: 'SHARPXR' })).code, 0, 'listening on the console\'s port');
    await login();
    const after = await api('GET', '/settings');
    const now = (after.body.items as { id: string; restartRequired: boolean; source: string }[]).find((i) => i.id === 'dicomPort')!;
    assert.deepEqual([now.restartRequired, now.source], [false, 'console']);
    assert.deepEqual((await api('GET', '/rules')).body.source, 'console', 'console rules survive the restart');
  });
});
