// The registry at the ingest end, on a real database: every selected instance gets a job for
// the active model and, while a model is in shadow mode, a shadow job for it (idempotent on a
// re-send, best effort: a failing shadow lookup never fails the C-STORE); shadow jobs are
// claimed after every due primary job, however old they are.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_GUARD } from '../../server/src/pipeline/guard/index.js';
import { createIngestSink, type Database } from '../../server/src/db/index.js';
import type { StoredInstance } from '../../server/src/ingest/types.js';
import { PrismaJobQueue } from '../../server/src/queue/index.js';
import { ModelRegistry, registryJobSpecs, syncShippedModels, systemAudit } from '../../server/src/registry/index.js';
import { openMigratedDb } from './api-fixture.js';
import { shippedModels, tempDir } from './helpers.js';

const SHIPPED = await shippedModels();

function instance(n: number): StoredInstance {
  return {
    sopClassUid: '1.2.840.10008.5.1.4.1.1.1', sopInstanceUid: `1.2.826.0.1.77.${n}`, transferSyntaxUid: '1.2.840.10008.1.2.1',
    studyInstanceUid: '1.2.826.0.1.77', seriesInstanceUid: '1.2.826.0.1.77.0', modality: 'CR', bodyPartExamined: 'CHEST',
    path: `/store/${n}.dcm`, sizeBytes: 10, callingAeTitle: 'MOD', associationId: 'a', receivedAt: new Date(),
  };
}

describe('registry job specs at ingest', () => {
  const tmp = tempDir('sharpxr-registry-jobs-');
  let db: Database;
  let registry: ModelRegistry;
  let queue: PrismaJobQueue;
  const shadowErrors: unknown[] = [];
  const audit = () => systemAudit(db, 'test');

  before(async () => {
    db = await openMigratedDb(tmp.dir);
    registry = new ModelRegistry(db, { modelsDir: join(tmp.dir, 'models') });
    await syncShippedModels(registry, { configuredModelPath: SHIPPED.default.file, audit: audit() });
    queue = new PrismaJobQueue(db);
  });
  after(async () => {
    await db?.$disconnect();
    tmp.cleanup();
  });

  function sink(shadowJob?: () => Promise<null>) {
    const specs = registryJobSpecs(registry, { guard: DEFAULT_GUARD, tile: 768, overlap: 128 });
    return createIngestSink({
      db, queue, select: () => ({ selected: true }), job: () => specs.primary(),
      shadowJob: shadowJob ?? (() => specs.shadow()), onShadowError: (err) => shadowErrors.push(err),
    });
  }

  it('queues only the primary job while shadow mode is off', async () => {
    const outcome = await sink().record(instance(1));
    assert.equal(outcome.kind, 'queued');
    const jobs = await db.job.findMany({ where: { sopInstanceUid: instance(1).sopInstanceUid } });
    assert.deepEqual(jobs.map((j) => [j.role, j.modelId, j.modelVersion]), [['primary', SHIPPED.default.name, SHIPPED.default.version]]);
  });

  it('adds a shadow job for the shadow model, once, and claims it after the primary jobs', async () => {
    const gan = (await registry.find(SHIPPED.gan.name, SHIPPED.gan.version))!;
    await registry.setShadow(gan.id, audit());
    const s = sink();
    assert.equal((await s.record(instance(2))).kind, 'queued');
    assert.equal((await s.record(instance(2))).kind, 'duplicate', 'a re-send');
    const jobs = await db.job.findMany({ where: { sopInstanceUid: instance(2).sopInstanceUid }, orderBy: { role: 'asc' } });
    assert.deepEqual(jobs.map((j) => [j.role, j.modelId, j.state]), [['primary', SHIPPED.default.name, 'queued'], ['shadow', SHIPPED.gan.name, 'queued']]);
    assert.equal(jobs[0]!.paramsHash, jobs[1]!.paramsHash);

    // The shadow job of instance 2 is older than the primary job of instance 3: still second.
    await new Promise((r) => setTimeout(r, 5));
    await registry.clearShadow(audit());
    await s.record(instance(3));
    const order: string[] = [];
    for (let job = await queue.claim('w', 60_000); job; job = await queue.claim('w', 60_000)) order.push(`${job.role}:${job.sopInstanceUid.split('.').pop()}`);
    assert.deepEqual(order, ['primary:1', 'primary:2', 'primary:3', 'shadow:2']);
    assert.equal(await db.job.count({ where: { sopInstanceUid: instance(3).sopInstanceUid, role: 'shadow' } }), 0, 'shadow mode was off for it');
  });

  it('never fails the C-STORE because of the shadow job', async () => {
    const failing = sink(async () => { throw new Error('registry unreachable'); });
    assert.equal((await failing.record(instance(4))).kind, 'queued');
    assert.equal(shadowErrors.length, 1);
    assert.match(String(shadowErrors[0]), /registry unreachable/);
  });
});
