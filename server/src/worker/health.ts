// GET /health: is this node able to take and process work right now? Checks the database
// (a real query), the DICOM listener, and reports the model, provider and queue depth.
import type { NodeConfig } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { HealthReport } from '../http/app.js';
import type { Listener } from '../ingest/index.js';
import type { ModelInfo } from '../pipeline/model-info.js';
import type { JobQueue } from '../queue/queue.js';

export interface HealthDeps {
  readonly config: NodeConfig;
  readonly db: Database;
  readonly queue: JobQueue;
  readonly listener: Listener;
  readonly model: { readonly info: ModelInfo; stats(): { readonly broken?: string } };
  readonly state: { readonly stopping: boolean };
}

export function createHealth(deps: HealthDeps): () => Promise<HealthReport> {
  return async () => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    let jobs: Record<string, number> | undefined;
    try {
      jobs = await deps.queue.counts();
      checks.database = { ok: true };
    } catch (err) {
      checks.database = { ok: false, detail: (err as Error).message };
    }
    checks.dicom = { ok: !deps.state.stopping, detail: `${deps.config.dicom.aeTitle} on port ${deps.listener.port}` };
    const broken = deps.model.stats().broken;
    checks.pipeline = broken ? { ok: false, detail: broken } : { ok: true };
    const ok = Object.values(checks).every((c) => c.ok);
    const { info } = deps.model;
    return {
      status: deps.state.stopping ? 'stopping' : ok ? 'ok' : 'degraded',
      checks,
      model: {
        id: info.modelId, version: info.modelVersion, provider: info.provider,
        ...(info.file ? { file: info.file } : {}), ...(info.stage ? { stage: info.stage } : {}),
        ...(info.quantization ? { quantization: info.quantization } : {}),
        ...(info.threads ? { threads: info.threads } : {}),
      },
      jobs,
      destinations: deps.config.destinations.map((d) => d.name),
    };
  };
}
