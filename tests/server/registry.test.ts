// The model registry on a real database with real ONNX files: shipped models registered at
// start, uploads validated (loads in onnxruntime, contract, metadata, the self-check on the CR
// fixture) and refused with the reason, promote / rollback / shadow / retire, and the audit.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_GUARD } from '../../server/src/pipeline/guard/index.js';
import { PipelineWorker } from '../../server/src/pipeline/pipeline-worker.js';
import {
  ModelRegistry, ModelRejectedError, nodeParamsHash, syncShippedModels, systemAudit, type RegistryAudit,
} from '../../server/src/registry/index.js';
import { HttpError } from '../../server/src/http/errors.js';
import { openMigratedDb } from './api-fixture.js';
import { ROOT, shippedModels, tempDir } from './helpers.js';
import { exportTestModels } from './registry-fixture.js';
import type { Database } from '../../server/src/db/index.js';

const SHIPPED = await shippedModels();

async function refusal(p: Promise<unknown>): Promise<HttpError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof HttpError, `expected an HttpError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the registry to refuse');
}

describe('model registry', () => {
  const tmp = tempDir('sharpxr-registry-');
  let db: Database;
  let registry: ModelRegistry;
  let audit: RegistryAudit;
  let models: Record<'valid' | 'valid2' | 'otherContent' | 'wrongInput' | 'inverted' | 'globalMean' | 'noMetadata', string>;
  const modelsDir = join(tmp.dir, 'var', 'models');

  before(async () => {
    db = await openMigratedDb(tmp.dir);
    registry = new ModelRegistry(db, { modelsDir, validate: { threads: 2 } });
    audit = systemAudit(db, 'tester');
    const [valid, valid2, otherContent, wrongInput, inverted, globalMean, noMetadata] = exportTestModels(tmp.dir, [
      { kind: 'valid', name: 'tiny-test', version: '9.9.9' },
      { kind: 'valid', name: 'tiny-test', version: '9.9.10', seed: 1 },
      { kind: 'valid', name: 'tiny-test', version: '9.9.9', seed: 2 },
      { kind: 'wrong-input', name: 'tiny-wrong', version: '1.0.0' },
      { kind: 'inverted', name: 'tiny-inverted', version: '1.0.0' },
      { kind: 'global-mean', name: 'tiny-global', version: '1.0.0' },
      { kind: 'no-metadata', name: 'x', version: 'x' },
    ]);
    models = { valid: valid!, valid2: valid2!, otherContent: otherContent!, wrongInput: wrongInput!, inverted: inverted!, globalMean: globalMean!, noMetadata: noMetadata! };
  });
  after(async () => {
    await db?.$disconnect();
    tmp.cleanup();
  });

  it('registers the shipped models in place with their evaluation figures and makes the configured one active', async () => {
    const first = await syncShippedModels(registry, { configuredModelPath: SHIPPED.default.file, audit });
    assert.equal(first.activated, true);
    assert.deepEqual(first.shipped.map((m) => [m.name, m.version, m.source, m.stage]).sort(),
      SHIPPED.all.map((m) => [m.name, m.version, 'shipped', m.stage]).sort());
    assert.equal(first.active.file, SHIPPED.default.file, 'shipped models stay in models/');
    assert.deepEqual([first.active.name, first.active.version, first.active.status], [SHIPPED.default.name, SHIPPED.default.version, 'active']);
    const shipped = JSON.parse(readFileSync(join(ROOT, 'models', 'eval', 'eval.json'), 'utf8')) as { models: Record<string, string>; settings: { key: string; results: Record<string, { psnr: number }> }[] };
    // Every shipped model has its figures of eval.json: a float one found by its weights file,
    // an int8 form (no weights; scored through the node's runner) by its ONNX file.
    for (const m of SHIPPED.all) {
      const method = Object.entries(shipped.models).find(([, p]) => basename(p) === basename(m.weights ?? m.file))?.[0];
      assert.ok(method, `models/eval/eval.json scores ${m.fileName}`);
      const record = first.shipped.find((r) => r.name === m.name && r.version === m.version)!;
      const evaluation = record.metrics?.evaluation as { settings: { key: string; psnr: number }[] };
      assert.deepEqual(evaluation.settings.map((e) => [e.key, e.psnr]), shipped.settings.map((e) => [e.key, e.results[method]!.psnr]), m.fileName);
    }
    // A second start changes nothing; the choice made in the registry outlives the config.
    await registry.promote(first.shipped.find((m) => m.stage === 'gan')!.id, audit);
    const second = await syncShippedModels(registry, { configuredModelPath: SHIPPED.default.file, audit });
    assert.equal(second.activated, false);
    assert.equal(second.active.name, SHIPPED.gan.name);
    assert.equal((await registry.list()).length, SHIPPED.all.length);
    const promotions = await db.auditEvent.findMany({ where: { action: 'model.promote' }, orderBy: { at: 'asc' } });
    assert.deepEqual(promotions.map((p) => p.actor), ['tester', 'tester']);
    await registry.rollback(audit); // back to the default for the tests below
    assert.equal((await registry.active())!.name, SHIPPED.default.name);
  });

  it('accepts a valid upload: copied under <dataDir>/models, self-checked on the fixture, audited', async () => {
    const bytes = readFileSync(models.valid);
    const { model, report } = await registry.registerBytes(bytes, { source: 'upload', createdBy: 'alice', metrics: { evaluation: { note: 'by hand' } }, audit });
    assert.equal(report.ok, true, JSON.stringify(report.checks));
    assert.deepEqual(report.checks.map((c) => c.name), ['onnx', 'contract', 'metadata', 'runs', 'range', 'tiling', 'change']);
    assert.ok(report.checks.every((c) => c.ok));
    assert.equal(report.selfCheck!.width, 440);
    assert.ok(report.selfCheck!.tiledMaxDiff < 1e-4, `tiled vs whole ${report.selfCheck!.tiledMaxDiff}`);
    assert.equal(model.name, 'tiny-test');
    assert.equal(model.version, '9.9.9');
    assert.equal(model.status, 'registered');
    assert.equal(model.createdBy, 'alice');
    assert.match(basename(model.file), new RegExp(`^tiny-test-9\\.9\\.9-${model.sha256.slice(0, 8)}\\.onnx$`));
    assert.equal(join(modelsDir, basename(model.file)), model.file);
    assert.deepEqual(readFileSync(model.file), bytes);
    assert.deepEqual((model.metrics as { evaluation: unknown }).evaluation, { note: 'by hand' });
    assert.ok((model.metrics as { selfCheck?: unknown }).selfCheck, 'the self-check figures are kept');
    const row = await db.auditEvent.findFirst({ where: { action: 'model.upload', outcome: 'ok' } });
    assert.equal(row?.subject, `model:${model.id}`);
  });

  it('registers a file on the server (training, CLI) the same way', async () => {
    const { model } = await registry.register(models.valid2, { source: 'training', createdBy: 'bob', trainingRunId: 'run-1', audit });
    assert.equal(model.version, '9.9.10');
    assert.equal(model.trainingRunId, 'run-1');
    assert.ok((await db.auditEvent.findFirst({ where: { action: 'model.register', subject: `model:${model.id}` } })) !== null);
  });

  it('refuses garbage bytes with 400 and leaves nothing behind', async () => {
    const err = await refusal(registry.registerBytes(Buffer.from('definitely not an onnx model\n'.repeat(40)), { source: 'upload', createdBy: 'alice', audit }));
    assert.equal(err.status, 400);
    assert.match(err.message, /not a loadable ONNX model/);
    assert.ok(err instanceof ModelRejectedError && err.report?.checks[0]?.name === 'onnx');
    assert.deepEqual(readdirSync(modelsDir).filter((f) => f.startsWith('.incoming')), []);
    const failed = await db.auditEvent.findFirst({ where: { action: 'model.upload', outcome: 'failed' } });
    assert.match(failed?.detailJson ?? '', /not a loadable ONNX model/);
    const empty = await refusal(registry.registerBytes(Buffer.alloc(0), { source: 'upload', createdBy: 'alice', audit }));
    assert.equal(empty.status, 400);
  });

  it('refuses a model whose input is not named "noisy" (422, contract)', async () => {
    const err = await refusal(registry.register(models.wrongInput, { source: 'upload', createdBy: 'alice', audit }));
    assert.equal(err.status, 422);
    assert.match(err.message, /contract/);
    assert.match(err.detail ?? '', /inputs are \["image"\], expected exactly \["noisy"\]/);
    assert.equal(await registry.find('tiny-wrong', '1.0.0'), null);
  });

  it('refuses a model without name and version metadata (422)', async () => {
    const err = await refusal(registry.register(models.noMetadata, { source: 'upload', createdBy: 'alice', audit }));
    assert.equal(err.status, 422);
    assert.match(err.message, /metadata "name" and "version" missing/);
  });

  it('refuses a model that is not a denoiser of its input (the change check)', async () => {
    const err = await refusal(registry.register(models.inverted, { source: 'upload', createdBy: 'alice', audit }));
    assert.equal(err.status, 422);
    assert.match(err.message, /change check: mean \|output - input\| 0\.2\d+/);
  });

  it('refuses a model whose tiles disagree with one whole-image pass (the tiling check)', async () => {
    const err = await refusal(registry.register(models.globalMean, { source: 'upload', createdBy: 'alice', audit }));
    assert.equal(err.status, 422);
    assert.match(err.message, /tiling check/);
  });

  it('refuses a (name, version) already registered: 409, naming why', async () => {
    const other = await refusal(registry.register(models.otherContent, { source: 'upload', createdBy: 'alice', audit }));
    assert.equal(other.status, 409);
    assert.match(other.message, /tiny-test 9\.9\.9 is already registered with different content/);
    const same = await refusal(registry.register(models.valid, { source: 'upload', createdBy: 'alice', audit }));
    assert.equal(same.status, 409);
    assert.match(same.message, /already registered as tiny-test 9\.9\.9/);
  });

  it('promotes, shadows, rolls back and retires with guarded transitions', async () => {
    const tiny = (await registry.find('tiny-test', '9.9.9'))!;
    const tiny2 = (await registry.find('tiny-test', '9.9.10'))!;
    const stage1 = (await registry.active())!;
    const { model, previous } = await registry.promote(tiny.id, audit);
    assert.equal(model.status, 'active');
    assert.equal(previous?.id, stage1.id);
    assert.equal((await registry.get(stage1.id)).status, 'registered');
    assert.equal((await refusal(registry.promote(tiny.id, audit))).status, 409);

    assert.equal((await refusal(registry.setShadow(tiny.id, audit))).status, 409, 'the active model cannot be the shadow');
    assert.equal((await registry.setShadow(tiny2.id, audit)).status, 'shadow');
    assert.equal((await registry.shadow())!.id, tiny2.id);
    assert.equal((await registry.setShadow(stage1.id, audit)).status, 'shadow', 'a new shadow replaces the old one');
    assert.equal((await registry.get(tiny2.id)).status, 'registered');
    assert.equal((await registry.clearShadow(audit))!.id, stage1.id);
    assert.equal(await registry.shadow(), null);
    assert.equal(await registry.clearShadow(audit), null);

    await registry.promote(tiny2.id, audit); // stage1 -> tiny -> tiny2
    assert.equal((await registry.rollback(audit)).model.id, tiny.id);
    assert.equal((await registry.rollback(audit)).model.id, stage1.id, 'a second rollback goes further back, not forth');
    assert.equal((await refusal(registry.rollback(audit))).status, 409, 'nothing before the first');

    assert.equal((await refusal(registry.retire(stage1.id, audit))).status, 409, 'never the active one');
    const retired = await registry.retire(tiny2.id, audit);
    assert.equal(retired.status, 'retired');
    assert.ok(existsSync(retired.file), 'the file stays: jobs and series name it');
    assert.equal((await refusal(registry.get('nope'))).status, 404);
    const actions = (await db.auditEvent.findMany({ where: { action: { startsWith: 'model.' } } })).map((a) => a.action);
    for (const a of ['model.promote', 'model.shadow', 'model.unshadow', 'model.rollback', 'model.retire']) assert.ok(actions.includes(a), `${a} audited`);
  });

  it('computes the queue key\'s paramsHash exactly as a running pipeline worker does', async () => {
    const tile = 512;
    const overlap = 64;
    const worker = await PipelineWorker.start({ modelPath: SHIPPED.gan.file, guard: DEFAULT_GUARD, runner: { providers: ['cpu'], tile, overlap } });
    try {
      assert.equal(nodeParamsHash({ guard: DEFAULT_GUARD, tile, overlap }), worker.paramsHash);
      assert.notEqual(nodeParamsHash({ guard: DEFAULT_GUARD, tile, overlap: 32 }), worker.paramsHash);
    } finally {
      await worker.close();
    }
  });

  it('refuses a path that does not exist with 400', async () => {
    const missing = join(tmp.dir, 'nope.onnx');
    const err = await refusal(registry.register(missing, { source: 'upload', createdBy: 'alice', audit }));
    assert.equal(err.status, 400);
  });
});
