// The TrainingManager's other paths, with the real Python trainer (no mocks): a GAN-only run
// that starts from another run's finished stage 1 (its copied config names that checkpoint, the
// discriminator's curve starts at step 1, the evaluation has no stage-1 column of its own); a
// queued run cancelled before it starts (never trained, not resumable); and a run whose
// trainer fails on an unreadable image: marked failed with the trainer's reason, not lost, and
// resumable once the folder is mended.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../server/src/db/index.js';
import type { RunDetail, TrainingManager } from '../../server/src/training/index.js';
import { openMigratedDb } from './api-fixture.js';
import { tempDir } from './helpers.js';
import { openManager, TINY, tinyDataset } from './training-fixture.js';
import { waitFor } from '../helpers/orthanc.js';

/** The files of a folder tree whose name matches `re`. */
function filesUnder(dir: string, re: RegExp): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => re.test(f)).map((f) => join(dir, f));
}

describe('TrainingManager: GAN from a stage-1 run, cancel while queued, a failing trainer', () => {
  const tmp = tempDir('sharpxr-training-paths-');
  let db: Database;
  let manager: TrainingManager;
  let dataset: string;
  const runsDir = join(tmp.dir, 'training');

  before(async () => {
    db = await openMigratedDb(tmp.dir);
    dataset = await tinyDataset(join(tmp.dir, 'data'));
    manager = (await openManager(db, runsDir)).manager;
  });
  after(async () => {
    await manager?.close();
    await db?.$disconnect();
    tmp.cleanup();
  });

  const waitEnd = (id: string): Promise<RunDetail> =>
    waitFor(async () => { const r = await manager.get(id); return ['done', 'failed', 'interrupted'].includes(r.state) ? r : null; }, 120_000, `run ${id} to end`, 100);

  it('trains the GAN alone from a finished stage-1 run, and cancels a run still queued', async () => {
    const s1 = await manager.create({ dataset, preset: 'product', stages: 'stage1', noise: { type: 'preset' }, hyper: TINY, name: 'base-s1' }, 'tester');
    const behind = await manager.create({ dataset, preset: 'product', stages: 'stage1', noise: { type: 'preset' }, hyper: TINY, name: 'never-runs' }, 'tester');
    await assert.rejects(manager.create({ dataset, preset: 'product', stages: 'gan', noise: { type: 'preset' }, hyper: TINY, initFromRun: 'base-s1', name: 'too-soon' }, 'tester'),
      /initFromRun: run base-s1 has no finished stage 1/);
    const { run: cancelled, from } = await manager.cancel(behind.id);
    assert.deepEqual([from, cancelled.state, cancelled.resumable], ['queued', 'cancelled', false]);
    await assert.rejects(manager.resume(behind.id), /only an interrupted or failed run/);

    const base = await waitEnd(s1.id);
    assert.equal(base.state, 'done', base.error ?? '');
    const gan = await manager.create({ dataset, preset: 'product', stages: 'gan', noise: { type: 'preset' }, hyper: TINY, initFromRun: 'base-s1', name: 'gan-only' }, 'tester');
    const done = await waitEnd(gan.id);
    assert.equal(done.state, 'done', done.error ?? '');
    assert.deepEqual(done.stageProgress.map((s) => [s.key, s.step, s.done]), [['gan', 6, true]]);
    assert.ok(done.losses.length === 6 && done.losses.every((l) => l.stage === 2 && l.d !== null), 'only the GAN trained, with its discriminator');
    assert.deepEqual(done.losses.map((l) => l.x), [1, 2, 3, 4, 5, 6]);
    // The stage-1 weights it started from: the config copied into its run folder names them.
    const ckpt = join(runsDir, 'base-s1', 'base-s1-stage1', 'checkpoints', 'latest.pth');
    const configs = filesUnder(join(runsDir, 'gan-only'), /\.ya?ml$/);
    assert.ok(configs.some((f) => readFileSync(f, 'utf8').includes(ckpt)), `a copied config names ${ckpt}: ${configs.join(', ')}`);
    assert.equal(done.evaluation?.methods.at(-1), 'gan');
    assert.equal(done.registrable, true);

    assert.equal((await manager.get(behind.id)).state, 'cancelled', 'a cancelled run is never started');
    assert.equal(existsSync(join(runsDir, 'never-runs')), false);
  });

  it('marks a run whose trainer fails as failed with its reason, and resumes it once mended', async () => {
    const broken = join(dataset, 'crop-9.png');
    writeFileSync(broken, 'not a PNG at all');
    const run = await manager.create({ dataset, preset: 'product', stages: 'stage1', noise: { type: 'preset' }, hyper: TINY, name: 'bad-image' }, 'tester');
    const failed = await waitEnd(run.id);
    assert.equal(failed.state, 'failed');
    // The trainer's own words, naming the file, so an operator knows what to mend.
    assert.match(failed.error ?? '', /cannot read image '[^']*crop-9\.png'/);
    assert.equal(failed.resumable, true);

    rmSync(broken);
    await manager.resume(run.id);
    const done = await waitEnd(run.id);
    assert.equal(done.state, 'done', done.error ?? '');
    assert.equal(done.error, null);
  });
});
