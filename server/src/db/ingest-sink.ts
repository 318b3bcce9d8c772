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
import type { JobQueue, JobRole } from '../queue/queue.js';
import type { Database } from './database.js';
import { recordInstance, type Selection } from './instances.js';

/** Which model and parameters a selected instance is processed with. */
export interface JobSpec {
  readonly modelId: string;
  readonly modelVersion: string;
  /** Canonical hash of the pixel-changing parameters (idempotency key part). */
  readonly paramsHash: string;
  /** Default 'primary'; 'shadow' for the candidate model's kept-not-sent job. */
  readonly role?: JobRole;
}

export interface IngestSinkDeps {
  readonly db: Database;
  readonly queue: JobQueue;
  /** The selection rules: process this instance or not (and why not). */
  readonly select: (instance: StoredInstance) => Selection | Promise<Selection>;
  readonly job: (instance: StoredInstance) => JobSpec | Promise<JobSpec>;
  /**
   * The shadow model's job for the same instance, while shadow mode is on (else null). Queued
   * after the primary job and best effort: a failure is reported to onShadowError and does not
   * fail the C-STORE, since the image itself is safely recorded and its primary job queued.
   */
  readonly shadowJob?: (instance: StoredInstance) => JobSpec | null | Promise<JobSpec | null>;
  readonly onShadowError?: (err: unknown, instance: StoredInstance) => void;
  /** Called after a job was newly queued (e.g. JobWorker.notify to skip the poll wait). */
  readonly onQueued?: (jobId: string) => void;
}

export function createIngestSink(deps: IngestSinkDeps): IngestSink {
  return {
    async record(instance: StoredInstance): Promise<IngestOutcome> {
      const selection = await deps.select(instance);
      const row = await recordInstance(deps.db, instance, selection);
      if (!selection.selected) return { kind: 'skipped', reason: selection.reason };
      const spec = await deps.job(instance);
      const { job, created } = await deps.queue.enqueue(newJob(row, spec));
      if (deps.shadowJob) await enqueueShadow(deps, row, instance);
      if (!created) return { kind: 'duplicate', jobId: job.id };
      deps.onQueued?.(job.id);
      return { kind: 'queued', jobId: job.id };
    },
  };
}

type InstanceRow = { readonly id: string; readonly sopInstanceUid: string; readonly studyInstanceUid: string };

function newJob(row: InstanceRow, spec: JobSpec) {
  return {
    instanceId: row.id, sopInstanceUid: row.sopInstanceUid, studyInstanceUid: row.studyInstanceUid,
    modelId: spec.modelId, modelVersion: spec.modelVersion, paramsHash: spec.paramsHash, ...(spec.role ? { role: spec.role } : {}),
  };
}

/** Idempotent like the primary job (its own key: another model), so a re-send adds nothing twice. */
async function enqueueShadow(deps: IngestSinkDeps, row: InstanceRow, instance: StoredInstance): Promise<void> {
  try {
    const spec = await deps.shadowJob!(instance);
    if (!spec) return;
    const { job, created } = await deps.queue.enqueue(newJob(row, { ...spec, role: 'shadow' }));
    if (created) deps.onQueued?.(job.id);
  } catch (err) {
    deps.onShadowError?.(err, instance);
  }
}
