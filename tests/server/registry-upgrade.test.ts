// An upgrade that ships a new default model: the node takes it when the active model was one it
// had activated by itself (actor 'system'), and keeps a model a person chose (promote or
// rollback, console or CLI) across restarts, upgrades and config edits. Real database, real
// ONNX files; the "shipped models" are tiny exported ones in a manifest of the test's own.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { activatedBy, ModelRegistry, syncShippedModels, systemAudit } from '../../server/src/registry/index.js';
import type { Database } from '../../server/src/db/index.js';
import { openMigratedDb } from './api-fixture.js';
import { tempDir } from './helpers.js';
import { exportTestModels } from './registry-fixture.js';

describe('shipped default across an upgrade', () => {
  const tmp = tempDir('sharpxr-upgrade-');
  let db: Database;
  let registry: ModelRegistry;
  let v1: string;
  let v2: string;
  const manifest = join(tmp.dir, 'manifest.json');

  const ship = (defaultFile: string): void => {
    writeFileSync(manifest, JSON.stringify({ default: basename(defaultFile), models: [v1, v2].map((f) => ({ file: basename(f), stage: 'stage1' })) }));
  };
  const sync = (configured: string) => syncShippedModels(registry, {
    configuredModelPath: configured, manifestPath: manifest, audit: systemAudit(db, 'system'), activatedBy: activatedBy(db),
  });

  before(async () => {
    db = await openMigratedDb(tmp.dir);
    registry = new ModelRegistry(db, { modelsDir: join(tmp.dir, 'var', 'models'), validate: { threads: 1 } });
    [v1, v2] = exportTestModels(tmp.dir, [
      { kind: 'valid', name: 'tiny-shipped', version: '1.0.0' },
      { kind: 'valid', name: 'tiny-shipped', version: '2.0.0', seed: 1 },
    ]) as [string, string];
  });
  after(async () => {
    await db?.$disconnect();
    tmp.cleanup();
  });

  it('follows the new shipped default when no one had chosen the active model', async () => {
    ship(v1);
    const first = await sync(v1);
    assert.deepEqual([first.activated, first.active.version], [true, '1.0.0']);
    assert.equal(await activatedBy(db)(first.active.id), 'system');
    // A restart on the same release changes nothing.
    assert.deepEqual([(await sync(v1)).activated, (await registry.active())!.version], [false, '1.0.0']);

    ship(v2); // the upgrade
    const upgraded = await sync(v2);
    assert.deepEqual([upgraded.activated, upgraded.active.version], [true, '2.0.0']);
    const old = (await registry.find('tiny-shipped', '1.0.0'))!;
    assert.equal(old.status, 'registered', 'the old default stays registered: one click rolls back');
    const events = await db.auditEvent.findMany({ where: { action: 'model.promote' }, orderBy: { at: 'asc' } });
    assert.deepEqual(events.map((e) => [e.actor, JSON.parse(e.detailJson!).version]), [['system', '1.0.0'], ['system', '2.0.0']]);
  });

  it('keeps a model a person chose, whatever the shipped default becomes', async () => {
    const { model } = await registry.rollback(systemAudit(db, 'alice'));
    assert.equal(model.version, '1.0.0');
    assert.equal(await activatedBy(db)(model.id), 'alice');
    const restarted = await sync(v2);
    assert.deepEqual([restarted.activated, restarted.active.version], [false, '1.0.0'], 'alice\'s rollback outlives the restart');
    ship(v1);
    assert.equal((await sync(v1)).active.version, '1.0.0');
    ship(v2);
    assert.equal((await sync(v2)).active.version, '1.0.0', 'and the next upgrade');
  });

  it('takes the shipped figures of an already registered model when eval.json gains or changes its rows', async () => {
    const figures = (): Promise<unknown> => registry.find('tiny-shipped', '2.0.0').then((m) => m!.metrics);
    assert.equal(await figures(), null, 'no eval.json yet: no figures');
    const evalJson = (psnr: number): void => {
      mkdirSync(join(tmp.dir, 'eval'), { recursive: true });
      writeFileSync(join(tmp.dir, 'eval', 'eval.json'), JSON.stringify({
        images: 30, data: '/x/cxr-kaggle-normal/val', models: { stage1: `models/${basename(v2)}` },
        settings: [{ key: 'sigma25', label: 'sigma 25', results: { stage1: { psnr, ssim: 0.9 }, noisy: { psnr: 20.2, ssim: 0.3 } } }],
      }));
    };
    const psnrOf = async (): Promise<number> => ((await figures()) as { evaluation: { settings: { psnr: number }[] } }).evaluation.settings[0]!.psnr;
    evalJson(35.5);
    await sync(v2);
    assert.equal(await psnrOf(), 35.5);
    evalJson(35.7);
    await sync(v2);
    assert.equal(await psnrOf(), 35.7, 'a changed row replaces the old figure');
    assert.equal((await registry.find('tiny-shipped', '1.0.0'))!.metrics, null, 'a model without a row keeps none');
  });
});
