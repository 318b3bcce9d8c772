// /api/training on the real router, auth and database, with the real trainer: who may do what
// (anonymous 401, viewers watch, operators start/cancel/resume/register, CSRF), validation
// errors naming the field or the dataset problem, the dataset check per layout, a tiny run
// followed over server-sent events to the end, its sample and evaluation images, and
// "register as model" adding a candidate to the registry; every action audited.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { registerTrainingRoutes } from '../../server/src/api/routes/training.js';
import type { Database } from '../../server/src/db/index.js';
import { ModelRegistry } from '../../server/src/registry/index.js';
import type { RunDetail, TrainingManager } from '../../server/src/training/index.js';
import { openMigratedDb, startApiApp, type ApiApp, type Client } from './api-fixture.js';
import { tempDir } from './helpers.js';
import { copyFixture, openManager, sseEvents, STREAMED, TINY, tinyDataset } from './training-fixture.js';

describe('/api/training', () => {
  const tmp = tempDir('sharpxr-training-api-');
  let app: ApiApp;
  let db: Database;
  let manager: TrainingManager;
  let registry: ModelRegistry;
  let viewer: Client;
  let operator: Client;
  let dataset: string;
  let runId: string;

  before(async () => {
    db = await openMigratedDb(tmp.dir);
    dataset = await tinyDataset(join(tmp.dir, 'flat'));
    registry = new ModelRegistry(db, { modelsDir: join(tmp.dir, 'models'), validate: { threads: 1 } });
    manager = (await openManager(db, join(tmp.dir, 'training'), { registry })).manager;
    app = await startApiApp({ dir: tmp.dir, db, register: (api) => registerTrainingRoutes(api, { training: manager }) });
    [viewer, operator] = [await app.as('viewer'), await app.as('operator')];
  });
  after(async () => {
    await manager?.close();
    await app?.close();
    await db?.$disconnect();
    tmp.cleanup();
  });

  const start = (who: Client, body: unknown) => who.fetch('/api/training/runs', { method: 'POST', json: body });
  const steps = (runs: RunDetail[]): string => runs.map((r) => `${r.phase ?? r.state}:${r.step}`).join(' ');
  const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

  it('refuses anonymous callers, lets viewers read and only operators start', async () => {
    assert.equal((await app.anonymous().fetch('/api/training/runs')).status, 401);
    assert.equal((await viewer.fetch('/api/training/runs')).status, 200);
    assert.equal((await start(viewer, { dataset })).status, 403);
    const noCsrf = await fetch(`${app.url}/api/training/runs`, { method: 'POST', headers: { cookie: operator.headers.cookie!, 'content-type': 'application/json' }, body: JSON.stringify({ dataset }) });
    assert.equal(noCsrf.status, 403);
    assert.equal((await viewer.fetch(`/api/training/dataset?path=${encodeURIComponent(dataset)}`)).status, 403, 'the server\'s folders are an operator\'s business');
  });

  it('lists the presets with their defaults', async () => {
    const { items } = (await (await viewer.fetch('/api/training/presets')).json()) as { items: { name: string; stage1: { totalSteps: number; channels: number[] }; gan: { ganWeight: number } }[] };
    const product = items.find((p) => p.name === 'product')!;
    assert.deepEqual(items.map((p) => p.name), ['paper', 'product']);
    assert.equal(product.stage1.totalSteps, 5000);
    assert.deepEqual(product.stage1.channels, [16, 32, 64, 128, 256]);
    assert.equal(product.gan.ganWeight, 0.005);
  });

  it('checks dataset folders and says which layout they have', async () => {
    const check = async (path: string) => operator.fetch(`/api/training/dataset?path=${encodeURIComponent(path)}`);
    const flat = (await (await check(dataset)).json()) as { layout: string; trainImages: number; valImages: number; holdout: number; description: string };
    assert.deepEqual([flat.layout, flat.trainImages, flat.valImages, flat.holdout], ['flat', 4, 1, 1]);
    assert.match(flat.description, /flat folder: 4 images to train on, 1 held out/);
    const kaggle = join(tmp.dir, 'kaggle');
    copyFixture(join(kaggle, 'chest_xray', 'train', 'NORMAL'));
    copyFixture(join(kaggle, 'chest_xray', 'train', 'PNEUMONIA'));
    copyFixture(join(kaggle, 'chest_xray', 'val', 'NORMAL'));
    const k = (await (await check(kaggle)).json()) as { layout: string; trainImages: number; valImages: number; classes: string[] };
    assert.deepEqual([k.layout, k.trainImages, k.valImages, k.classes], ['kaggle', 4, 4, ['NORMAL']]);
    const empty = join(tmp.dir, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.txt'), 'no images here');
    assert.match(await errorOf(await check(empty)), /no PNG, JPEG, TIFF or DICOM images/);
    assert.match(await errorOf(await check(join(tmp.dir, 'nope'))), /does not exist/);
    assert.match(await errorOf(await check('relative/folder')), /not an absolute path/);
  });

  it('refuses bad requests naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ dataset, hyper: { batchSize: 0 } }, /hyper\.batchSize/],
      [{ dataset, hyper: { patchSize: 30 } }, /multiple of 8/],
      [{ dataset, hyper: { learningRate: 1 } }, /learningRate/],
      [{ dataset, stages: 'stage3' }, /stages/],
      [{ dataset, noise: { type: 'gaussian', sigma: [40, 5] } }, /noise\.sigma/],
      [{ dataset, preset: 'nonesuch' }, /no preset "nonesuch"/],
      [{ dataset, stages: 'gan' }, /initFromRun/],
      [{ dataset: join(tmp.dir, 'nope') }, /does not exist/],
      [{ dataset, name: '../escape' }, /name/],
    ];
    for (const [body, message] of cases) {
      const res = await start(operator, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(await errorOf(res), message);
    }
    assert.equal(await db.trainingRun.count(), 0);
  });

  it('starts a run (audited) and streams its progress over SSE to the end', async () => {
    const res = await start(operator, { dataset, name: 'api-run', stages: 'stage1', hyper: STREAMED, noise: { type: 'poisson_gaussian', peak: [50, 2000], readSigma: 2 } });
    assert.equal(res.status, 201, await res.clone().text());
    const created = (await res.json()) as RunDetail;
    runId = created.id;
    assert.equal(created.name, 'api-run');
    assert.equal((await start(operator, { dataset, name: 'api-run', hyper: TINY })).status, 409, 'the name is taken');
    const audit = await db.auditEvent.findFirst({ where: { action: 'training.start' } });
    assert.equal(audit?.actor, operator.username);
    assert.equal(audit?.subject, `training:${runId}`);

    const stream = await viewer.fetch(`/api/training/runs/${runId}/events`);
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
    const seen: RunDetail[] = [];
    for await (const e of sseEvents(stream)) {
      assert.equal(e.event, 'run');
      seen.push(JSON.parse(e.data) as RunDetail);
      if (['done', 'failed'].includes(seen.at(-1)!.state)) break;
    }
    console.log(`SSE frames (phase:step): ${steps(seen)}`);
    const last = seen.at(-1)!;
    assert.equal(last.state, 'done', last.error ?? '');
    // Frames sent mid-stage: the curve and ETA of a stage not yet done, not only its end.
    const live = seen.filter((r) => r.state === 'running' && r.phase === 'stage1' && r.step > 0 && r.step < STREAMED.totalSteps! && r.losses.at(-1)?.step === r.step && r.etaSec !== null);
    assert.ok(live.length > 0, `live progress arrived while it ran (frames at steps ${steps(seen)})`);
    assert.ok(seen.some((r) => r.phase === 'eval'), 'the evaluation phase was shown');
    const order = seen.map((r) => r.step);
    assert.deepEqual(order, [...order].sort((a, b) => a - b), 'steps only go up');
    assert.ok(last.evaluation && last.sample);

    const sample = await viewer.fetch(last.sample.url);
    assert.equal(sample.status, 200);
    assert.equal(sample.headers.get('content-type'), 'image/png');
    const grid = await viewer.fetch(last.evaluation.gridUrl);
    assert.equal(grid.status, 200);
    assert.ok((await grid.arrayBuffer()).byteLength > 1000);
    assert.equal((await viewer.fetch(`/api/training/runs/${runId}/sample.png?stage=1&step=999`)).status, 404);
    const { items } = (await (await viewer.fetch('/api/training/runs')).json()) as { items: { id: string; state: string; lastVal: unknown }[] };
    assert.deepEqual(items.map((r) => [r.id, r.state]), [[runId, 'done']]);
  });

  it('cancel and resume answer 409 for a finished run', async () => {
    assert.equal((await operator.fetch(`/api/training/runs/${runId}/cancel`, { method: 'POST' })).status, 409);
    assert.equal((await operator.fetch(`/api/training/runs/${runId}/resume`, { method: 'POST' })).status, 409);
    assert.equal((await viewer.fetch(`/api/training/runs/${runId}/cancel`, { method: 'POST' })).status, 403);
    assert.equal((await viewer.fetch('/api/training/runs/nonesuch')).status, 404);
  });

  it('registers the finished run as a candidate model (operator; audited)', async () => {
    assert.equal((await viewer.fetch(`/api/training/runs/${runId}/register`, { method: 'POST', json: {} })).status, 403);
    const res = await operator.fetch(`/api/training/runs/${runId}/register`, { method: 'POST', json: { name: 'sharpxr-api', version: '0.1.0' } });
    assert.equal(res.status, 201, await res.clone().text());
    const body = (await res.json()) as { run: RunDetail; model: { id: string; name: string; version: string; status: string } };
    assert.deepEqual([body.model.name, body.model.version, body.model.status], ['sharpxr-api', '0.1.0', 'registered']);
    assert.equal(body.run.modelId, body.model.id);
    assert.ok((await registry.list()).some((m) => m.id === body.model.id && m.source === 'training' && m.trainingRunId === runId));
    const again = await operator.fetch(`/api/training/runs/${runId}/register`, { method: 'POST', json: {} });
    assert.equal(again.status, 409);
    const rows = await db.auditEvent.findMany({ where: { action: { in: ['training.register', 'model.register'] } }, orderBy: { at: 'asc' } });
    assert.deepEqual(rows.map((r) => [r.action, r.outcome, r.actor]), [
      ['model.register', 'ok', operator.username], ['training.register', 'ok', operator.username], ['training.register', 'failed', operator.username],
    ]);
  });
});
