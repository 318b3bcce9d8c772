// `sharpxr models` against a real node database and real ONNX files: list (shipped models
// registered as the node would at start), add with the validation printed, a refused file with
// its reason, promote by name@version, shadow, rollback, retire, each audited as cli:<user>.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../server/src/cli/index.js';
import { openDatabase } from '../../server/src/db/index.js';
import { shippedModels, tempDir } from './helpers.js';
import { exportTestModels } from './registry-fixture.js';

const SHIPPED = await shippedModels();
const DEFAULT = `${SHIPPED.default.name} ${SHIPPED.default.version}`;
const GAN = `${SHIPPED.gan.name} ${SHIPPED.gan.version}`;

function captured() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe('sharpxr models', () => {
  const tmp = tempDir('sharpxr-cli-models-');
  const configFile = join(tmp.dir, 'node.yaml');
  let valid: string;
  let wrong: string;
  const run = async (...args: string[]) => {
    const c = captured();
    const code = await main(['models', ...args, '--config', configFile], c.io);
    return { code, ...c };
  };

  before(() => {
    writeFileSync(configFile, 'dataDir: var\n');
    [valid, wrong] = exportTestModels(tmp.dir, [{ kind: 'valid', name: 'tiny-cli', version: '0.1.0' }, { kind: 'wrong-input', name: 'tiny-cli-bad', version: '0.1.0' }]) as [string, string];
  });
  after(() => tmp.cleanup());

  it('lists the shipped models, the default one active', async () => {
    const r = await run('list');
    assert.equal(r.code, 0, r.err.join('\n'));
    const rows = r.out.map((l) => l.split('\t'));
    assert.deepEqual(rows.map((c) => `${c[1]} ${c[2]} ${c[3]} ${c[4]}`).sort(),
      SHIPPED.all.map((m) => `${m.name} ${m.version} ${m === SHIPPED.default ? 'active' : 'registered'} shipped`).sort());
  });

  it('adds a valid model, printing each check, and refuses a bad one with the reason', async () => {
    const ok = await run('add', valid);
    assert.equal(ok.code, 0, ok.err.join('\n'));
    assert.match(ok.out.join('\n'), /registered tiny-cli 0\.1\.0 as \S+ \(.*var\/models\/tiny-cli-0\.1\.0-[0-9a-f]{8}\.onnx\)/);
    assert.ok(ok.err.some((l) => /ok {3}tiling: tiled/.test(l)), ok.err.join('\n'));
    const bad = await run('add', wrong);
    assert.equal(bad.code, 1);
    assert.match(bad.err.join('\n'), /the model fails the contract check.*inputs are \["image"\]/s);
    assert.equal((await run('add')).code, 2);
  });

  it('promotes by name@version, shadows, rolls back and retires', async () => {
    const promote = await run('promote', 'tiny-cli@0.1.0');
    assert.equal(promote.code, 0, promote.err.join('\n'));
    assert.deepEqual(promote.out, [`tiny-cli 0.1.0 is active (was ${DEFAULT})`]);
    assert.equal((await run('shadow', `${SHIPPED.gan.name}@${SHIPPED.gan.version}`)).code, 0);
    assert.equal((await run('shadow', 'tiny-cli@0.1.0')).code, 1, 'the active model cannot be the shadow');
    assert.deepEqual((await run('unshadow')).out, [`shadow mode ended (${GAN})`]);
    assert.deepEqual((await run('rollback')).out, [`${DEFAULT} is active again (was tiny-cli 0.1.0)`]);
    assert.equal((await run('retire', 'tiny-cli@0.1.0')).code, 0);
    const missing = await run('promote', 'nope@1');
    assert.equal(missing.code, 1);
    assert.match(missing.err[0]!, /no model nope@1/);
    const shown = JSON.parse((await run('show', 'tiny-cli@0.1.0')).out.join('\n')) as { status: string; createdBy: string };
    assert.equal(shown.status, 'retired');
    const db = await openDatabase({ url: `file:${join(tmp.dir, 'var', 'sharpxr.db')}` });
    try {
      const actions = (await db.auditEvent.findMany({ where: { actor: `cli:${userInfo().username}` }, orderBy: { at: 'asc' } })).map((a) => a.action);
      assert.deepEqual(actions, ['model.upload', 'model.upload', 'model.promote', 'model.shadow', 'model.unshadow', 'model.rollback', 'model.retire']);
    } finally {
      await db.$disconnect();
    }
  });
});
