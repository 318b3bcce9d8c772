// The job queue behind an interface (issue 3, item 4). The embedded engine is the database
// (Prisma over SQLite); a distributed engine for scale-out implements the same interface.

// 'received' is the instance's state before its job exists: the node records the instance and
// creates its job before the C-STORE response, so the embedded queue creates jobs 'queued'. The
// state stays in the set for engines that accept work before it is ready to run (scale-out).
// 'kept' ends a shadow job: processed by the candidate model, stored for review, never sent.
export const JOB_STATES = ['received', 'queued', 'processing', 'exported', 'kept', 'failed', 'dead'] as const;
export type JobState = (typeof JOB_STATES)[number];

// 'primary': the active model's job, derived and sent. 'shadow': a candidate model's, kept.
// 'reprocess': an operator asked for another model on this instance; sent like a primary one.
export const JOB_ROLES = ['primary', 'shadow', 'reprocess'] as const;
export type JobRole = (typeof JOB_ROLES)[number];

export interface NewJob {
  readonly instanceId: string;
  readonly sopInstanceUid: string;
  readonly studyInstanceUid: string;
  /** Model id and version, as in models/manifest.json and the ONNX metadata. */
  readonly modelId: string;
  readonly modelVersion: string;
  /** Canonical hash of the processing parameters that change pixels. */
  readonly paramsHash: string;
  /** Default 'primary'. Shadow jobs are claimed after every due primary and reprocess job. */
  readonly role?: JobRole;
}

export interface Job extends NewJob {
  readonly id: string;
  readonly role: JobRole;
  readonly state: JobState;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly nextRunAt: Date;
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: Date | null;
  readonly lastError: string | null;
  /** Held by the guard policy: processed, not sent. */
  readonly held: boolean;
  /** An operator chose to send it anyway (sendHeld); the worker then ignores the hold policy. */
  readonly guardOverride: boolean;
  /** The derived object of an earlier attempt (kept when only its export failed), or null. */
  readonly derived: DerivedFacts | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What a finished job records (guard figures, derived UIDs, stage timings). */
export interface JobResult {
  readonly derivedSopInstanceUid: string;
  readonly derivedSeriesInstanceUid: string;
  readonly derivedPath: string;
  readonly guardClippedFraction: number;
  readonly guardMaxChange: number;
  readonly guardFlagged: boolean;
  /** Not sent by policy (guard 'hold'): the job ends 'exported' with held = true. */
  readonly held: boolean;
  /** A shadow job's result, kept for review and never sent: the job ends 'kept'. */
  readonly kept?: boolean;
  readonly timingsMs: Readonly<Record<string, number>>;
}

/** What an attempt that processed the image but failed to export keeps for the next one. */
export interface DerivedFacts {
  readonly path: string;
  readonly sopInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly guardClippedFraction: number;
  readonly guardMaxChange: number;
  readonly guardFlagged: boolean;
}

export interface FailOptions {
  /** False: dead-letter at once (no retry can help). Default true. */
  readonly retryable?: boolean;
  /**
   * Give the attempt back: the failure was the destination's (down, busy), not the image's, so
   * an outage of any length does not exhaust the job's attempts. The caller bounds the outage.
   */
  readonly keepAttempt?: boolean;
  /** Backoff step to use instead of the attempt count (e.g. consecutive failed deliveries). */
  readonly backoffStep?: number;
  /** Keep the derived object so the next attempt sends it without processing again. */
  readonly derived?: DerivedFacts;
}

export interface EnqueueResult {
  readonly job: Job;
  /** False when the same (SOP instance, model id+version, params) already had a job. */
  readonly created: boolean;
}

export interface JobQueue {
  /** Idempotent on (sopInstanceUid, modelId, modelVersion, paramsHash). */
  enqueue(job: NewJob): Promise<EnqueueResult>;
  /** Takes the next due job (queued, failed past its backoff, or processing with an expired lease). */
  claim(workerId: string, leaseMs: number): Promise<Job | null>;
  /** Extends the lease; false if the job is no longer ours (lease lost). */
  heartbeat(jobId: string, workerId: string, leaseMs: number): Promise<boolean>;
  /** Throws LeaseLostError if the job is no longer ours (another worker took it over). */
  complete(jobId: string, workerId: string, result: JobResult): Promise<void>;
  /**
   * Records the error; schedules a retry with backoff, or dead-letters after the last attempt
   * (or at once when retryable is false). Throws LeaseLostError if the job is no longer ours.
   */
  fail(jobId: string, workerId: string, error: string, options?: FailOptions): Promise<Job>;
  /** Gives a claimed job back untouched (graceful shutdown); attempts are not counted. Throws LeaseLostError. */
  release(jobId: string, workerId: string): Promise<void>;
  /** Dead or failed -> queued now, attempts reset; recorded in the audit trail as done by `actor`. */
  retry(jobId: string, actor?: string): Promise<Job>;
  get(jobId: string): Promise<Job | null>;
  list(filter?: { state?: JobState; limit?: number }): Promise<Job[]>;
  counts(): Promise<Record<JobState, number>>;
}

/**
 * A worker tried to record an outcome for a job it no longer holds: its lease expired and
 * another worker claimed the job (or an operator retried it). The other worker's result wins.
 */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(readonly jobId: string, readonly workerId: string) {
    super(`job ${jobId} is not leased to ${workerId} any more`);
  }
}

/** retry() on a job that is not dead or failed, or get-or-throw on an unknown id. */
export class JobStateError extends Error {
  override name = 'JobStateError';
}
