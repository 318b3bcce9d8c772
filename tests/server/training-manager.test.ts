// The TrainingManager with the real Python trainer on a tiny flat dataset (no mocks): a run of
// both stages parsed from its JSON lines (G and D curves, validation, sample PNGs, ETA), the
// trainer at nice 19, one run at a time with the next one queued, evaluation at the end,
// cancel -> interrupted -> resume -> done from the checkpoint, a node stop that a new manager
// on the same database resumes, and "register as model" landing in the registry.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../server/src/db/index.js';
import { ModelRegistry, systemAudit } from '../../server/src/registry/index.js';
import { niceOf, NICE, type RunDetail, type TrainingManager } from '../../server/src/training/index.js';
import { openMigratedDb } from './api-fixture.js';
import { tempDir } from './helpers.js';
import { LONGER, openManager, TINY, tinyDataset } from './training-fixture.js';
import { waitFor } from '../helpers/orthanc.js';

const isPng = (file: string): boolean => readFileSync(file).subarray(1, 4).toString('latin1') === 'PNG';

describe('TrainingManager (real trainer, tiny run)', () => {
  const tmp = tempDir('sharpxr-training-');
  let db: Database;
  let manager: TrainingManager;
  let dataset: string;
  let registry: ModelRegistry;
  const runsDir = join(tmp.dir, 'training');

  before(async () => {
    db = await openMigratedDb(tmp.dir);
    dataset = await tinyDataset(join(tmp.dir, 'data'));
    registry = new ModelRegistry(db, { modelsDir: join(tmp.dir, 'models'), validate: { threads: 1 } });
    manager = (await openManager(db, runsDir, { registry })).manager;
  });
  after(async () => {
    await manager?.close();
    await db?.$disconnect();
    tmp.cleanup();
  });

  const waitState = (id: string, states: string[], ms = 120_000): Promise<RunDetail> =>
    waitFor(async () => { const r = await manager.get(id); return states.includes(r.state) ? r : null; }, ms, `run ${id} to be ${states.join('/')}`, 100);

  let doneRun: RunDetail;

  it('trains both stages at nice 19, queues the next run, evaluates, and keeps the curves', async () => {
    const started = Date.now();
    const first = await manager.create({ dataset, preset: 'product', stages: 'both', noise: { type: 'gaussian', sigma: [5, 40] }, hyper: TINY, name: 'both-stages' }, 'tester');
    const second = await manager.create({ dataset, preset: 'product', stages: 'stage1', noise: { type: 'preset' }, hyper: TINY, name: 'queued-one' }, 'tester');
    assert.equal((await manager.get(second.id)).state, 'queued');
    assert.equal((await manager.get(second.id)).queuePosition, 1);
    const { row } = await waitFor(async () => { const r = await manager.raw(first.id); return r.row.pid ? r : null; }, 30_000, 'the trainer to start');
    assert.equal(niceOf(row.pid!), NICE, 'the trainer runs at the lowest priority');
    const running = await waitFor(async () => { const r = await manager.get(first.id); return r.etaSec !== null && r.losses.length > 0 ? r : null; }, 30_000, 'progress');
    assert.equal(running.state, 'running');
    assert.ok(running.etaSec! >= 0);
    assert.equal((await manager.get(second.id)).state, 'queued', 'one run at a time');

    doneRun = await waitState(first.id, ['done', 'failed']);
    assert.equal(doneRun.state, 'done', doneRun.error ?? '');
    const seconds = (Date.now() - started) / 1000;
    console.log(`tiny run, both stages + evaluation: ${seconds.toFixed(1)} s`);
    assert.deepEqual(doneRun.stageProgress.map((s) => [s.key, s.step, s.done]), [['stage1', 12, true], ['gan', 6, true]]);
    assert.equal(doneRun.step, 18);
    assert.equal(doneRun.progress, 1);
    const g1 = doneRun.losses.filter((l) => l.stage === 1);
    const g2 = doneRun.losses.filter((l) => l.stage === 2);
    assert.equal(g1.length, 12);
    assert.equal(g2.length, 6);
    assert.ok(g1.every((l) => l.g > 0 && l.d === null), 'stage 1 has no discriminator');
    assert.ok(g2.every((l) => l.d !== null && l.d > 0), 'stage 2 logs the discriminator loss');
    assert.deepEqual(g2.map((l) => l.x), [13, 14, 15, 16, 17, 18], 'stage 2 follows stage 1 on the x axis');
    assert.deepEqual(doneRun.val.map((v) => [v.stage, v.step]), [[1, 6], [1, 12], [2, 6]]);
    assert.ok(doneRun.val.every((v) => v.psnr > 0 && v.ssim > 0 && v.psnrNoisy > 0));
    assert.equal(doneRun.data?.layout, 'flat');
    assert.equal(doneRun.data?.holdout, 1);
    assert.deepEqual([doneRun.datasetInfo.trainImages, doneRun.datasetInfo.valImages], [4, 1]);
    const { progress } = await manager.raw(first.id);
    assert.ok(progress.sample && isPng(progress.sample.file) && progress.sample.stage === 2);
    assert.ok(doneRun.sample?.url.includes('sample.png'));

    const ev = doneRun.evaluation!;
    assert.deepEqual(ev.methods, ['noisy', 'nlm', 'stage1', 'gan']);
    assert.equal(ev.settings.length, 4);
    assert.ok(ev.settings.every((s) => s.results.gan!.psnr > 0));
    assert.match(ev.markdown, /\| noise \| noisy \| nlm \| stage1 \| gan \|/);
    assert.ok(isPng(progress.evaluation!.grid));
    assert.equal(doneRun.registrable, true);

    const queued = await waitState(second.id, ['done', 'failed']);
    assert.equal(queued.state, 'done', queued.error ?? '');
    assert.deepEqual(queued.evaluation!.methods, ['noisy', 'nlm', 'stage1']);
    assert.ok(new Date(queued.startedAt!).getTime() >= new Date(doneRun.finishedAt!).getTime(), 'the queued run started after the first ended');
  });

  it('cancel stops with a checkpoint (interrupted); resume continues from it to the end', async () => {
    const run = await manager.create({ dataset, preset: 'product', stages: 'stage1', noise: { type: 'preset' }, hyper: LONGER, name: 'cancel-me' }, 'tester');
    await waitFor(async () => (await manager.get(run.id)).step >= 10, 60_000, 'a few steps');
    const { run: cancelled, from } = await manager.cancel(run.id);
    assert.equal(from, 'running');
    assert.equal(cancelled.state, 'interrupted');
    assert.equal(cancelled.interruptedBy, 'user');
    assert.equal(cancelled.resumable, true);
    const stoppedAt = cancelled.stageProgress[0]!.step;
    assert.ok(stoppedAt >= 10 && stoppedAt < 150, `stopped at ${stoppedAt}`);
    const ckpt = join(runsDir, 'cancel-me', 'cancel-me-stage1', 'checkpoints', 'latest.pth');
    assert.ok(existsSync(ckpt));
    const log = readFileSync(join(runsDir, 'cancel-me', 'cancel-me-stage1', 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; step?: number; signal?: number });
    assert.deepEqual(log.at(-1), { ...log.at(-1), event: 'interrupted', step: stoppedAt, signal: 15 });

    const resumed = await manager.resume(run.id);
    assert.ok(['queued', 'running'].includes(resumed.state));
    const done = await waitState(run.id, ['done', 'failed']);
    assert.equal(done.state, 'done', done.error ?? '');
    assert.equal(done.stageProgress[0]!.step, 150);
    const starts = readFileSync(join(runsDir, 'cancel-me', 'cancel-me-stage1', 'log.jsonl'), 'utf8').trim().split('\n')
      .map((l) => JSON.parse(l) as { event: string; step: number; resumed: boolean }).filter((e) => e.event === 'start');
    assert.deepEqual(starts.map((s) => [s.step, s.resumed]), [[0, false], [stoppedAt, true]], 'the second start resumed from the checkpoint');
    assert.ok(done.losses.every((l, i, all) => i === 0 || l.x > all[i - 1]!.x), 'no repeated steps in the curve');
    await assert.rejects(manager.cancel(run.id), /nothing to cancel/);
    await assert.rejects(manager.resume(run.id), /only an interrupted or failed run/);
  });

  it('a node stop interrupts the run; a new manager on the same database resumes it', async () => {
    const run = await manager.create({ dataset, preset: 'product', stages: 'stage1', noise: { type: 'preset' }, hyper: LONGER, name: 'survives-restart' }, 'tester');
    await waitFor(async () => (await manager.get(run.id)).step >= 10, 60_000, 'a few steps');
    await manager.close();
    const stopped = await manager.get(run.id);
    assert.equal(stopped.state, 'interrupted');
    assert.equal(stopped.interruptedBy, 'node');
    manager = (await openManager(db, runsDir, { registry })).manager;
    const again = await manager.get(run.id);
    assert.ok(['queued', 'running'].includes(again.state), `resumed at start, not ${again.state}`);
    const done = await waitState(run.id, ['done', 'failed']);
    assert.equal(done.state, 'done', done.error ?? '');
    const audit = await db.auditEvent.findMany({ where: { subject: `training:${run.id}` } });
    assert.deepEqual(audit.map((a) => [a.actor, a.action]), [['system', 'training.resume']]);
  });

  it('a row a killed node left running is marked interrupted and resumed', async () => {
    await manager.close();
    const run = await manager.create({ dataset, preset: 'product', stages: 'stage1', noise: { type: 'preset' }, hyper: TINY, name: 'left-running' }, 'tester');
    // What kill -9 leaves: the row still 'running', naming a trainer that is gone with the node.
    await db.trainingRun.update({ where: { id: run.id }, data: { state: 'running', pid: 999_999, startedAt: new Date() } });
    manager = (await openManager(db, runsDir, { registry })).manager;
    const audit = await db.auditEvent.findMany({ where: { subject: `training:${run.id}` }, orderBy: { at: 'asc' } });
    assert.deepEqual(audit.map((a) => a.action), ['training.interrupted', 'training.resume']);
    const done = await waitState(run.id, ['done', 'failed']);
    assert.equal(done.state, 'done', done.error ?? '');
  });

  it('registers a finished run as a model candidate (exported to ONNX, validated by the registry)', async () => {
    const audit = systemAudit(db, 'tester');
    const { run, model, report } = await manager.register(doneRun.id, {}, { createdBy: 'tester', audit });
    assert.equal(report.ok, true, JSON.stringify(report.checks));
    assert.equal(run.modelId, model.id);
    assert.equal(run.registrable, false);
    assert.equal(model.status, 'registered', 'a candidate: not promoted');
    assert.equal(model.source, 'training');
    assert.equal(model.trainingRunId, doneRun.id);
    assert.equal(model.name, 'sharpxr-both-stages');
    assert.equal(model.metadata.stage, 'gan');
    assert.equal(model.metadata.training_run, 'both-stages-gan');
    const listed = await registry.list();
    assert.ok(listed.some((m) => m.id === model.id && existsSync(m.file)));
    // The exported stage's figures in the shipped models' shape (the Models page compares them).
    const evaluation = (model.metrics as { evaluation?: { method: string; settings: { key: string; psnr: number; noisyPsnr: number }[] } }).evaluation;
    assert.equal(evaluation?.method, 'gan');
    assert.deepEqual(evaluation.settings.map((s) => s.key), doneRun.evaluation!.settings.map((s) => s.key));
    const g25 = evaluation.settings.find((s) => s.key === 'gaussian_25')!;
    assert.equal(g25.psnr, doneRun.evaluation!.settings.find((s) => s.key === 'gaussian_25')!.results.gan!.psnr);
    assert.ok(g25.noisyPsnr > 0);
    assert.match(model.metadata.training_data ?? '', new RegExp(`^${dataset}: a flat folder: 4 images to train on`), 'what this run trained on, not the preset\'s dataset');
    await assert.rejects(manager.register(doneRun.id, {}, { createdBy: 'tester', audit }), /registered already/);
  });
});
