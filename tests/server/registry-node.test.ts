// The registry end to end in a running node (`sharpxr start` as a child process), with DCMTK
// storescu as the modality and storescp as the PACS: a model uploaded and promoted through the
// API is the one the next image runs, and its name and version are stamped into the derived
// object the PACS receives, without a restart; a shadow model's result is kept under
// derived-shadow and never sent, while the primary result is; rollback goes back.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type Database } from '../../server/src/db/index.js';
import { parseDicom } from '../../server/src/pipeline/decode/index.js';
import { freePort, startStorescp, storescu, type Storescp } from '../helpers/dcmtk.js';
import { loginToNode, type NodeSession } from '../helpers/node-login.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { dcmtkMissing } from '../helpers/orthanc.js';
import { freshFixtureCopies, shippedModels, sopInstanceUidOf, tempDir } from './helpers.js';
import { exportTestModels } from './registry-fixture.js';

const skip = dcmtkMissing() ?? false;
const SHIPPED = await shippedModels();

interface Stamp {
  readonly source: string;
  readonly model: string;
  readonly version: string;
  readonly description: string;
}

/** What a derived file says about itself: its source, the model (0071,1008/1009) and the series description. */
function stampOf(path: string): Stamp {
  const ds = parseDicom(readFileSync(path)).dataset as Record<string, { Value?: unknown[] } | undefined>;
  const source = (ds['00082112']?.Value as Record<string, { Value?: unknown[] }>[] | undefined)?.[0]?.['00081155']?.Value?.[0];
  const str = (tag: string): string => String(ds[tag]?.Value?.[0] ?? '');
  return { source: String(source), model: str('00711008'), version: str('00711009'), description: str('0008103E') };
}

function receivedIn(dir: string): Stamp[] {
  return existsSync(dir) ? readdirSync(dir).map((name) => stampOf(join(dir, name))) : [];
}

describe('model registry in a running node', { skip }, () => {
  const tmp = tempDir('sharpxr-registry-node-');
  const nodeDir = join(tmp.dir, 'node');
  const pacsDir = join(tmp.dir, 'pacs');
  const received = (): Stamp[] => receivedIn(pacsDir);
  let pacs: Storescp;
  let node: NodeProcess;
  let admin: NodeSession;
  let db: Database;
  let tinyFile: string;

  async function call(who: NodeSession | null, method: string, path: string, init: { body?: Buffer; type?: string } = {}) {
    const res = await fetch(`${node.httpUrl}/api${path}`, {
      method, body: init.body ?? null,
      headers: { ...(who?.headers ?? {}), ...(init.type ? { 'content-type': init.type } : {}) },
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, any> };
  }

  /** Sends a fresh copy of the CR fixture and waits for its primary job to be exported. */
  async function sendOne(name: string): Promise<string> {
    const [file] = freshFixtureCopies(join(tmp.dir, 'in'), [name]);
    const uid = sopInstanceUidOf(file!);
    const r = await storescu({ host: '127.0.0.1', port: node.dicomPort, aeTitle: 'SHARPXR' }, [file!]);
    assert.equal(r.code, 0, r.stderr);
    await node.waitForLog((l) => l.msg === 'job exported' && l.sopInstanceUid === uid, 60_000, `${name} exported`);
    return uid;
  }

  before(async () => {
    tinyFile = exportTestModels(tmp.dir, [{ kind: 'valid', name: 'tiny-node', version: '9.9.9' }])[0]!;
    pacs = await startStorescp(pacsDir, { aeTitle: 'PACS' });
    node = await startNodeProcess({
      dir: nodeDir, dicomPort: await freePort(), httpPort: await freePort(),
      config: { destinations: [{ name: 'pacs', aeTitle: 'PACS', host: '127.0.0.1', port: pacs.port }], model: { tile: 256, overlap: 32 } },
    });
    admin = await loginToNode(node, 'admin');
    db = await openDatabase({ url: `file:${join(nodeDir, 'var', 'sharpxr.db')}` });
  });
  after(async () => {
    await db?.$disconnect();
    await node?.stop();
    await pacs?.stop();
    tmp.cleanup();
  });

  it('starts with the shipped models registered and the configured one active', async () => {
    const { status, body } = await call(admin, 'GET', '/models');
    assert.equal(status, 200);
    const names = (body.items as { name: string; status: string }[]).map((m) => `${m.name}:${m.status}`).sort();
    assert.deepEqual(names, SHIPPED.all.map((m) => `${m.name}:${m === SHIPPED.default ? 'active' : 'registered'}`).sort());
    const uid = await sendOne('first');
    const stamp = received().find((s) => s.source === uid)!;
    assert.deepEqual([stamp.model, stamp.version], [SHIPPED.default.name, SHIPPED.default.version]);
  });

  it('runs an uploaded, promoted model on the next image and stamps its version, without a restart', async () => {
    const operator = await loginToNode(node, 'operator');
    const up = await call(operator, 'POST', '/models', { body: readFileSync(tinyFile), type: 'application/octet-stream' });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.equal(up.body.report.ok, true);
    const id = up.body.model.id as string;
    assert.equal((await call(operator, 'POST', `/models/${id}/promote`)).status, 403, 'an operator cannot promote');
    const promoted = await call(admin, 'POST', `/models/${id}/promote`);
    assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
    assert.equal(promoted.body.previous.name, SHIPPED.default.name);
    const uid = await sendOne('after-promotion');
    const stamp = received().find((s) => s.source === uid)!;
    assert.deepEqual([stamp.model, stamp.version], ['tiny-node', '9.9.9']);
    assert.match(stamp.description, /9\.9\.9/, 'the series description names the version');
  });

  it('keeps a shadow model\'s result under derived-shadow and never sends it, while the primary one is sent', async () => {
    const gan = ((await call(admin, 'GET', '/models')).body.items as { id: string; name: string }[]).find((m) => m.name === SHIPPED.gan.name)!;
    assert.equal((await call(admin, 'POST', `/models/${gan.id}/shadow`)).status, 200);
    const uid = await sendOne('shadowed');
    await node.waitForLog((l) => l.msg === 'shadow job kept (not sent)' && l.sopInstanceUid === uid, 60_000, 'the shadow job kept');
    const jobs = await db.job.findMany({ where: { sopInstanceUid: uid }, include: { deliveries: true } });
    const primary = jobs.find((j) => j.role === 'primary')!;
    const shadow = jobs.find((j) => j.role === 'shadow')!;
    assert.deepEqual([primary.state, primary.modelId], ['exported', 'tiny-node']);
    assert.deepEqual([shadow.state, shadow.modelId, shadow.modelVersion], ['kept', SHIPPED.gan.name, SHIPPED.gan.version]);
    assert.equal(shadow.deliveries.length, 0, 'no delivery of the shadow result');
    assert.equal(primary.deliveries.length, 1);
    assert.ok(shadow.derivedPath!.startsWith(join(nodeDir, 'var', 'derived-shadow')), shadow.derivedPath!);
    const kept = stampOf(shadow.derivedPath!);
    assert.deepEqual([kept.source, kept.model], [uid, SHIPPED.gan.name]);
    assert.deepEqual(received().filter((s) => s.source === uid).map((s) => s.model), ['tiny-node'], 'the PACS got the primary result only');
    const models = (await call(admin, 'GET', '/models')).body.items as { name: string; jobs: { byRole: Record<string, number>; byState: Record<string, number> } }[];
    assert.deepEqual(models.find((m) => m.name === SHIPPED.gan.name)!.jobs.byState, { kept: 1 });
    assert.equal((await call(admin, 'DELETE', '/models/shadow')).status, 200);
  });

  it('rolls back to the model active before, for the next image', async () => {
    const back = await call(admin, 'POST', '/models/rollback');
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.model.name, SHIPPED.default.name);
    const uid = await sendOne('after-rollback');
    assert.equal(received().find((s) => s.source === uid)!.model, SHIPPED.default.name);
    assert.equal(await db.job.count({ where: { role: 'shadow', sopInstanceUid: uid } }), 0, 'shadow mode is off');
    const actions = (await db.auditEvent.findMany({ where: { action: { startsWith: 'model.' } }, orderBy: { at: 'asc' } })).map((a) => `${a.action}:${a.actor}`);
    assert.ok(actions.includes(`model.promote:${admin.username}`) && actions.includes(`model.rollback:${admin.username}`) && actions.includes(`model.shadow:${admin.username}`), actions.join(', '));
  });
});
