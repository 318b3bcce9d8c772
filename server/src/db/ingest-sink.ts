// The IngestSink main.ts gives the DICOM listener: record the instance, and if the rules
// select it, enqueue its job, all before the C-STORE response goes out.
//
// Not one transaction, on purpose (database.ts explains why Prisma transactions are unsafe on
// the shared SQLite connection). Each step is one atomic, idempotent statement, in an order
// that makes a failure between them harmless: if the job insert fails after the instance
// upsert, record() throws, the listener answers with a failure status, the sender keeps the
// instance and sends it again, and the re-send upserts the same row and enqueues the job.
//
// A re-send of an instance whose job already exists (in any state, dead included) answers
// 'duplicate' and does not run it again: the job key is (SOP instance, model, params), and
// re-running a dead job is an operator's decision (JobQueue.retry, audited).
import type { IngestOutcome, IngestSink, StoredInstance } from '../ingest/types.js';
import type { JobQueue } from '../queue/queue.js';
import type { Database } from './database.js';
import { recordInstance, type Selection } from './instances.js';

/** Which model and parameters a selected instance is processed with. */
export interface JobSpec {
  readonly modelId: string;
  readonly modelVersion: string;
  /** Canonical hash of the pixel-changing parameters (idempotency key part). */
  readonly paramsHash: string;
}

export interface IngestSinkDeps {
  readonly db: Database;
  readonly queue: JobQueue;
  /** The selection rules: process this instance or not (and why not). */
  readonly select: (instance: StoredInstance) => Selection | Promise<Selection>;
  readonly job: (instance: StoredInstance) => JobSpec;
  /** Called after a job was newly queued (e.g. JobWorker.notify to skip the poll wait). */
  readonly onQueued?: (jobId: string) => void;
}

export function createIngestSink(deps: IngestSinkDeps): IngestSink {
  return {
    async record(instance: StoredInstance): Promise<IngestOutcome> {
      const selection = await deps.select(instance);
      const row = await recordInstance(deps.db, instance, selection);
      if (!selection.selected) return { kind: 'skipped', reason: selection.reason };
      const spec = deps.job(instance);
      const { job, created } = await deps.queue.enqueue({
        instanceId: row.id, sopInstanceUid: row.sopInstanceUid, studyInstanceUid: row.studyInstanceUid,
        modelId: spec.modelId, modelVersion: spec.modelVersion, paramsHash: spec.paramsHash,
      });
      if (!created) return { kind: 'duplicate', jobId: job.id };
      deps.onQueued?.(job.id);
      return { kind: 'queued', jobId: job.id };
    },
  };
}
