// The model pool with real pipeline workers (child processes holding real models): started on
// first use, at most maxAlive kept (least recently used idle one closed), never one in use,
// a model that does not load not cached; and the registry's per-job denoiser runs exactly
// the model a job names, whatever is active.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelPool } from '../../server/src/pipeline/model-pool.js';
import { PipelineWorker } from '../../server/src/pipeline/pipeline-worker.js';
import { ModelRegistry, ModelUnavailableError, registryDenoiser, syncShippedModels, systemAudit } from '../../server/src/registry/index.js';
import type { Database } from '../../server/src/db/index.js';
import { openMigratedDb } from './api-fixture.js';
import { FIXTURE_CR, shippedModels, tempDir } from './helpers.js';
import { exportTestModels } from './registry-fixture.js';

const SHIPPED = await shippedModels();
/** Two real models: the shipped default and the shipped GAN. */
const DEFAULT = SHIPPED.default.file;
const GAN = SHIPPED.gan.file;

describe('model pool', () => {
  const tmp = tempDir('sharpxr-pool-');
  let tiny: string;
  let pool: ModelPool;
  const started: string[] = [];
  const workers = new Map<string, PipelineWorker>();

  before(() => {
    tiny = exportTestModels(tmp.dir, [{ kind: 'valid', name: 'tiny-pool', version: '1.2.3' }])[0]!;
    pool = new ModelPool({
      maxAlive: 2,
      start: async (path) => {
        started.push(path);
        const w = await PipelineWorker.start({ modelPath: path, runner: { providers: ['cpu'], threads: 1 } });
        workers.set(path, w);
        return w;
      },
    });
  });
  after(async () => {
    await pool?.close();
    tmp.cleanup();
  });

  it('starts a worker per model on first use and reuses it', async () => {
    const a = await pool.warm(DEFAULT);
    assert.deepEqual([a.info.modelId, a.info.modelVersion], [SHIPPED.default.name, SHIPPED.default.version]);
    assert.equal(await pool.warm(DEFAULT), a);
    assert.deepEqual(started, [DEFAULT]);
  });

  it('keeps at most two alive, closing the least recently used idle one', async () => {
    await pool.warm(GAN);
    await pool.warm(DEFAULT); // the default is now the most recently used
    await pool.warm(tiny);
    assert.deepEqual(pool.alive().sort(), [DEFAULT, tiny].sort());
    await assert.rejects(workers.get(GAN)!.denoise(FIXTURE_CR), /closed/);
    const again = await pool.warm(GAN); // started anew
    assert.notEqual(again, workers.get(DEFAULT));
    assert.equal(started.filter((p) => p === GAN).length, 2);
  });

  it('never closes a worker while a job uses it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let others!: () => void;
    const othersStarted = new Promise<void>((r) => { others = r; });
    // The default's worker is in use (least recently acquired) while two other models start.
    const holding = pool.use(DEFAULT, async (w) => {
      await gate;
      return (await w.denoise(FIXTURE_CR)).model.modelId;
    });
    void (async () => {
      await pool.warm(GAN);
      await pool.warm(tiny);
      others();
    })();
    await othersStarted;
    assert.ok(pool.alive().includes(DEFAULT), 'the busy worker stays');
    release();
    assert.equal(await holding, SHIPPED.default.name, 'and still runs its task');
    assert.equal(pool.alive().length, 2);
    assert.ok(pool.alive().includes(DEFAULT), 'just used: not the one closed');
  });

  it('does not cache a model that fails to load', async () => {
    await assert.rejects(pool.warm(join(tmp.dir, 'missing.onnx')), /not found/);
    assert.ok(!pool.alive().includes(join(tmp.dir, 'missing.onnx')));
  });
});

describe('per-job denoiser', () => {
  const tmp = tempDir('sharpxr-jobmodel-');
  let db: Database;
  let pool: ModelPool;
  let registry: ModelRegistry;

  before(async () => {
    db = await openMigratedDb(tmp.dir);
    registry = new ModelRegistry(db, { modelsDir: join(tmp.dir, 'models') });
    await syncShippedModels(registry, { configuredModelPath: DEFAULT, audit: systemAudit(db, 'test') });
    pool = new ModelPool({ start: (path) => PipelineWorker.start({ modelPath: path, runner: { providers: ['cpu'], threads: 1 } }) });
  });
  after(async () => {
    await pool?.close();
    await db?.$disconnect();
    tmp.cleanup();
  });

  it('runs the model the job names, not the active one', async () => {
    const denoise = registryDenoiser(registry, pool);
    const result = await denoise(FIXTURE_CR, { modelId: SHIPPED.gan.name, modelVersion: SHIPPED.gan.version });
    assert.equal(result.model.modelId, SHIPPED.gan.name);
    assert.equal((await registry.active())!.name, SHIPPED.default.name);
    const primary = await denoise(FIXTURE_CR, { modelId: SHIPPED.default.name, modelVersion: SHIPPED.default.version });
    assert.equal(primary.model.modelId, SHIPPED.default.name);
    assert.notDeepEqual(primary.pixels, result.pixels, 'two models, two results');
  });

  it('fails a job whose model is not in the registry with an error no retry can fix', async () => {
    const denoise = registryDenoiser(registry, pool);
    await assert.rejects(denoise(FIXTURE_CR, { modelId: 'unknown', modelVersion: '0' }), (err) => err instanceof ModelUnavailableError && /not in the registry/.test(err.message));
  });
});
