// The node's models, as main.ts wires them: the registry (shipped models registered and one
// made active at start), the pool of pipeline workers (one child process per model file), the
// job specs the ingest sink queues, and the per-job denoiser the worker runs. The active
// model is loaded before this resolves, so the node never takes an image it cannot process;
// a promotion or a new shadow warms that model's worker at once, so the next job does not
// wait for the load either.
import { join } from 'node:path';
import type { NodeConfig } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { Logger } from '../node/logger.js';
import type { NodeMetrics } from '../node/metrics.js';
import type { ModelInfo } from '../pipeline/model-info.js';
import { ModelPool } from '../pipeline/model-pool.js';
import { PipelineWorker } from '../pipeline/pipeline-worker.js';
import type { DenoisedInstance } from '../pipeline/process-instance.js';
import { registryDenoiser, registryJobSpecs, type JobModel, type JobSpecs } from './job-models.js';
import { label, ModelRegistry } from './registry.js';
import { syncShippedModels } from './shipped.js';
import { activatedBy, systemAudit } from './system-audit.js';

export interface NodeModels {
  readonly registry: ModelRegistry;
  readonly pool: ModelPool;
  readonly specs: JobSpecs;
  readonly denoise: (path: string, job: JobModel) => Promise<DenoisedInstance>;
  /** The active model's worker as /health and the dashboard see it (updated on promotion). */
  readonly current: { readonly info: ModelInfo; stats(): { readonly broken?: string } };
  close(): Promise<void>;
}

export async function startNodeModels(config: NodeConfig, db: Database, log: Logger, metrics: NodeMetrics): Promise<NodeModels> {
  const registry = new ModelRegistry(db, { modelsDir: join(config.dataDir, 'models'), validate: { threads: config.inference.threads } });
  const synced = await syncShippedModels(registry, { configuredModelPath: config.inference.modelPath, log, audit: systemAudit(db, 'system'), activatedBy: activatedBy(db) });
  if (synced.activated) log.info({ model: label(synced.active) }, 'model registry: the configured model is active');
  const pool = new ModelPool({
    start: (modelPath) => startWorker(config, modelPath, log), maxAlive: 2,
    onChange: (event, modelPath) => log.info({ modelPath }, `pipeline worker ${event}`),
  });
  let worker = await pool.warm(synced.active.file);
  const show = (w: PipelineWorker): void => {
    worker = w;
    metrics.provider.reset();
    metrics.provider.set({ provider: w.info.provider, model: `${w.info.modelId}@${w.info.modelVersion}` }, 1);
  };
  show(worker);
  const unsubscribe = registry.onChange((change) => {
    if (!change.model) return;
    const warming = pool.warm(change.model.file);
    if (change.kind === 'active') void warming.then(show, (err: Error) => log.error({ err: err.message, model: label(change.model!) }, 'the promoted model does not load; its jobs will fail until another is promoted'));
    else warming.catch((err: Error) => log.error({ err: err.message, model: label(change.model!) }, 'the shadow model does not load'));
  });
  const { tile, overlap } = config.inference;
  return {
    registry, pool,
    specs: registryJobSpecs(registry, { guard: config.processing.guard, tile, overlap }),
    denoise: registryDenoiser(registry, pool),
    current: { get info() { return worker.info; }, stats: () => worker.stats() },
    async close() {
      unsubscribe();
      await pool.close();
    },
  };
}

function startWorker(config: NodeConfig, modelPath: string, log: Logger): Promise<PipelineWorker> {
  const { inference } = config;
  return PipelineWorker.start({
    modelPath, guard: config.processing.guard,
    runner: { providers: inference.providers, threads: inference.threads, tile: inference.tile, overlap: inference.overlap, batch: inference.batch },
    onLog: (msg, level) => (level === 'info' ? log.info({}, msg) : log.warn({}, msg)),
  });
}
