// The registry at the two ends of a job: the ingest sink asks which model a new instance's
// job (and its shadow job) runs, and the worker's process step runs exactly the model the job
// names, whatever is active by then: a job queued before a promotion still runs (and is
// stamped with) the model it was queued for, so its derived UIDs stay the ones its key implies.
import { existsSync } from 'node:fs';
import type { JobSpec } from '../db/index.js';
import type { GuardOptions } from '../pipeline/guard/index.js';
import type { ModelPool } from '../pipeline/model-pool.js';
import type { DenoisedInstance } from '../pipeline/process-instance.js';
import { processingParams, processingParamsHash } from '../pipeline/process-params.js';
import type { ModelRegistry } from './registry.js';

/** The pixel-changing parameters the node's pipeline workers run with (PipelineWorker.paramsHash). */
export interface NodeParams {
  readonly guard: GuardOptions;
  readonly tile: number;
  readonly overlap: number;
}

/**
 * The queue key's paramsHash, as PipelineWorker.paramsHash computes it once the model is
 * loaded: only the tiling comes from the model's info, and it is the node's configuration.
 */
export function nodeParamsHash(p: NodeParams): string {
  const info = { modelId: '', modelVersion: '', provider: '', tiling: { tile: p.tile, overlap: p.overlap } };
  return processingParamsHash(processingParams({ guard: p.guard, model: { info } }));
}

export interface JobSpecs {
  /** The active model's job; throws when the registry has none (the node starts with one). */
  primary(): Promise<JobSpec>;
  /** The shadow model's job, or null when shadow mode is off. */
  shadow(): Promise<JobSpec | null>;
}

export function registryJobSpecs(registry: ModelRegistry, params: NodeParams): JobSpecs {
  const paramsHash = nodeParamsHash(params);
  return {
    async primary() {
      const model = await registry.active();
      if (!model) throw new Error('no model is active in the registry');
      return { modelId: model.name, modelVersion: model.version, paramsHash };
    },
    async shadow() {
      const model = await registry.shadow();
      return model ? { modelId: model.name, modelVersion: model.version, paramsHash, role: 'shadow' as const } : null;
    },
  };
}

/** The job's model is not in the registry (or its file is gone): no retry brings it back. */
export class ModelUnavailableError extends Error {
  override name = 'ModelUnavailableError';
}

export interface JobModel {
  readonly modelId: string;
  readonly modelVersion: string;
}

/** Decode, denoise and guard `path` with the job's own model, in that model's pipeline worker. */
export function registryDenoiser(registry: ModelRegistry, pool: ModelPool): (path: string, job: JobModel) => Promise<DenoisedInstance> {
  return async (path, job) => {
    const model = await registry.find(job.modelId, job.modelVersion);
    if (!model) throw new ModelUnavailableError(`model ${job.modelId} ${job.modelVersion} is not in the registry`);
    if (!existsSync(model.file)) throw new ModelUnavailableError(`the file of model ${job.modelId} ${job.modelVersion} is missing (${model.file})`);
    return pool.use(model.file, async (worker) => {
      const { info } = worker;
      // The file's own metadata must say what the job says: the derived series is stamped from it.
      if (info.modelId !== job.modelId || info.modelVersion !== job.modelVersion) {
        throw new ModelUnavailableError(`${model.file} is ${info.modelId} ${info.modelVersion}, not ${job.modelId} ${job.modelVersion}`);
      }
      return worker.denoise(path);
    });
  };
}
