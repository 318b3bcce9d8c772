// The embedded job queue: jobs are rows of the node's database (SQLite by default).
//
// Attempts are counted when a job is claimed, not when it fails. A worker that dies or hangs
// (a poison image crashing the process, an OOM kill) never calls fail(), but its claim
// already consumed an attempt: when the lease expires the job is claimable again, and once
// the attempts are used up the expired job is dead-lettered instead. So an instance that kills
// its worker every time ends in the dead-letter state after maxAttempts, not in a crash loop.
// release() (graceful shutdown) gives the attempt back.
//
// Every transition out of 'processing' is guarded by the lease owner: the UPDATE matches only
// while the job is still 'processing' and leased to the caller, so a worker whose lease
// expired and whose job another worker took cannot overwrite that worker's outcome.
import { randomUUID } from 'node:crypto';
import { Prisma, type Job as JobRow } from '@prisma/client';
import { jobSubject, recordAudit } from '../db/audit.js';
import type { Database } from '../db/database.js';
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { claimNextJob } from './claim.js';
import {
  JOB_ROLES, JOB_STATES, JobStateError, LeaseLostError,
  type DerivedFacts, type EnqueueResult, type FailOptions, type Job, type JobQueue, type JobResult, type JobRole, type JobState, type NewJob,
} from './queue.js';

export interface PrismaJobQueueOptions {
  /** Claims a job gets before it is dead-lettered (default 5). */
  readonly maxAttempts?: number;
  readonly backoff?: Partial<BackoffOptions>;
  /** [0, 1) source for the backoff jitter (default Math.random). */
  readonly random?: () => number;
  /** Clock for every timestamp the queue writes and compares (default: the system clock). */
  readonly now?: () => Date;
}

/** Error texts are kept, not whole stack dumps: enough for the admin console. */
const MAX_ERROR_LENGTH = 4000;

export class PrismaJobQueue implements JobQueue {
  readonly maxAttempts: number;
  readonly backoff: BackoffOptions;
  private readonly random: () => number;
  private readonly now: () => Date;

  constructor(private readonly db: Database, options: PrismaJobQueueOptions = {}) {
    this.maxAttempts = options.maxAttempts ?? 5;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) throw new RangeError('maxAttempts must be a positive integer');
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.random = options.random ?? Math.random;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * One INSERT … ON CONFLICT DO NOTHING … RETURNING * on the job key; only when the job already
   * existed, one read: idempotent and race-free across processes without a transaction. Raw
   * because it runs before every C-STORE response of a selected image and Prisma's create
   * costs ~2 ms more per call on SQLite.
   */
  async enqueue(job: NewJob): Promise<EnqueueResult> {
    const now = this.now();
    const inserted = await this.db.$queryRaw<JobRow[]>`
      INSERT INTO "Job" ("id", "instanceId", "sopInstanceUid", "studyInstanceUid", "modelId", "modelVersion", "paramsHash",
        "role", "state", "attempts", "maxAttempts", "nextRunAt", "createdAt", "updatedAt")
      VALUES (${randomUUID()}, ${job.instanceId}, ${job.sopInstanceUid}, ${job.studyInstanceUid}, ${job.modelId},
        ${job.modelVersion}, ${job.paramsHash}, ${job.role ?? 'primary'}, 'queued', 0, ${this.maxAttempts}, ${now}, ${now}, ${now})
      ON CONFLICT ("sopInstanceUid", "modelId", "modelVersion", "paramsHash") DO NOTHING
      RETURNING *`;
    const created = inserted[0];
    if (created) return { job: toJob(created), created: true };
    const key = { sopInstanceUid: job.sopInstanceUid, modelId: job.modelId, modelVersion: job.modelVersion, paramsHash: job.paramsHash };
    const row = await this.db.job.findUniqueOrThrow({ where: { sopInstanceUid_modelId_modelVersion_paramsHash: key } });
    return { job: toJob(row), created: false };
  }

  async claim(workerId: string, leaseMs: number): Promise<Job | null> {
    const now = this.now();
    await this.deadLetterExpired(now);
    const row = await claimNextJob(this.db, workerId, now, new Date(now.getTime() + leaseMs));
    return row ? toJob(row) : null;
  }

  async heartbeat(jobId: string, workerId: string, leaseMs: number): Promise<boolean> {
    const now = this.now();
    try {
      await this.leased(jobId, workerId, { leaseExpiresAt: new Date(now.getTime() + leaseMs), updatedAt: now });
      return true;
    } catch (err) {
      if (err instanceof LeaseLostError) return false;
      throw err;
    }
  }

  async complete(jobId: string, workerId: string, result: JobResult): Promise<void> {
    const now = this.now();
    await this.leased(jobId, workerId, {
      state: result.kept ? 'kept' : 'exported', leaseOwner: null, leaseExpiresAt: null, finishedAt: now, updatedAt: now,
      derivedSopInstanceUid: result.derivedSopInstanceUid, derivedSeriesInstanceUid: result.derivedSeriesInstanceUid,
      derivedPath: result.derivedPath, guardClippedFraction: result.guardClippedFraction,
      guardMaxChange: result.guardMaxChange, guardFlagged: result.guardFlagged, held: result.held,
      timingsJson: JSON.stringify(result.timingsMs),
    });
  }

  async fail(jobId: string, workerId: string, error: string, options: FailOptions = {}): Promise<Job> {
    const now = this.now();
    const current = await this.db.job.findUnique({ where: { id: jobId } });
    if (!current || current.state !== 'processing' || current.leaseOwner !== workerId) throw new LeaseLostError(jobId, workerId);
    const retryable = options.retryable !== false;
    const dead = !retryable || (!options.keepAttempt && current.attempts >= current.maxAttempts);
    const lastError = error.length > MAX_ERROR_LENGTH ? `${error.slice(0, MAX_ERROR_LENGTH)}…` : error;
    const step = options.backoffStep ?? current.attempts;
    const next: Prisma.JobUpdateInput = dead
      ? { state: 'dead', finishedAt: now }
      : { state: 'failed', nextRunAt: new Date(now.getTime() + backoffDelayMs(step, this.backoff, this.random)) };
    if (!dead && options.keepAttempt) next.attempts = { decrement: 1 };
    // The attempts guard pins the decision above to the row we read.
    const row = await this.leased(jobId, workerId, {
      ...next, ...derivedColumns(options.derived), lastError, leaseOwner: null, leaseExpiresAt: null, updatedAt: now,
    }, { attempts: current.attempts });
    if (dead) {
      await recordAudit(this.db, {
        at: now, actor: workerId, action: 'job.dead-lettered', subject: jobSubject(jobId),
        detail: { reason: retryable ? 'attempts exhausted' : 'not retryable', attempts: row.attempts, error: lastError },
      });
    }
    return toJob(row);
  }

  async release(jobId: string, workerId: string): Promise<void> {
    // nextRunAt is left as it was, so the job keeps its place at the head of the line.
    await this.leased(jobId, workerId, {
      state: 'queued', attempts: { decrement: 1 }, leaseOwner: null, leaseExpiresAt: null, updatedAt: this.now(),
    });
  }

  async retry(jobId: string, actor = 'operator'): Promise<Job> {
    const now = this.now();
    const current = await this.db.job.findUnique({ where: { id: jobId } });
    if (!current) throw new JobStateError(`no job ${jobId}`);
    if (current.state !== 'dead' && current.state !== 'failed') {
      throw new JobStateError(`job ${jobId} is ${current.state}: only dead or failed jobs can be retried`);
    }
    let row: JobRow;
    try {
      row = await this.db.job.update({
        where: { id: jobId, state: current.state, updatedAt: current.updatedAt },
        // The derived object is dropped: whatever was fixed before a manual retry (config, model)
        // must apply, so the image is processed again.
        data: { state: 'queued', attempts: 0, nextRunAt: now, leaseOwner: null, leaseExpiresAt: null, finishedAt: null, updatedAt: now, ...derivedColumns(null) },
      });
    } catch (err) {
      if (isPrismaError(err, 'P2025')) throw new JobStateError(`job ${jobId} changed while being retried`);
      throw err;
    }
    await recordAudit(this.db, {
      at: now, actor, action: 'job.retry', subject: jobSubject(jobId),
      detail: { from: current.state, attempts: current.attempts, lastError: current.lastError },
    });
    return toJob(row);
  }

  async sendHeld(jobId: string, actor = 'operator'): Promise<Job> {
    const now = this.now();
    const current = await this.db.job.findUnique({ where: { id: jobId } });
    if (!current) throw new JobStateError(`no job ${jobId}`);
    if (current.state !== 'exported' || current.held !== true) {
      throw new JobStateError(`job ${jobId} is ${current.state}${current.held ? ' (held)' : ''}: only jobs held by the guard can be sent anyway`);
    }
    let row: JobRow;
    try {
      row = await this.db.job.update({
        where: { id: jobId, state: 'exported', updatedAt: current.updatedAt },
        data: { state: 'queued', attempts: 0, guardOverride: true, nextRunAt: now, finishedAt: null, updatedAt: now },
      });
    } catch (err) {
      if (isPrismaError(err, 'P2025')) throw new JobStateError(`job ${jobId} changed while being released`);
      throw err;
    }
    await recordAudit(this.db, {
      at: now, actor, action: 'job.send-held', subject: jobSubject(jobId),
      detail: { guardClippedFraction: current.guardClippedFraction, guardMaxChange: current.guardMaxChange },
    });
    return toJob(row);
  }

  async get(jobId: string): Promise<Job | null> {
    const row = await this.db.job.findUnique({ where: { id: jobId } });
    return row ? toJob(row) : null;
  }

  async list(filter: { state?: JobState; limit?: number } = {}): Promise<Job[]> {
    const rows = await this.db.job.findMany({
      where: { state: filter.state },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: Math.min(Math.max(filter.limit ?? 100, 1), 1000),
    });
    return rows.map(toJob);
  }

  async counts(): Promise<Record<JobState, number>> {
    const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    const groups = await this.db.job.groupBy({ by: ['state'], _count: { _all: true } });
    for (const g of groups) counts[asJobState(g.state)] = g._count._all;
    return counts;
  }

  /** One UPDATE guarded by the lease; LeaseLostError when the job is no longer ours. */
  private async leased(jobId: string, workerId: string, data: Prisma.JobUpdateInput, extra: Prisma.JobWhereInput = {}): Promise<JobRow> {
    try {
      return await this.db.job.update({ where: { ...extra, id: jobId, state: 'processing', leaseOwner: workerId }, data });
    } catch (err) {
      if (isPrismaError(err, 'P2025')) throw new LeaseLostError(jobId, workerId);
      throw err;
    }
  }

  /**
   * Leases that expired on the last attempt: the worker died holding the job every time.
   * Dead-letters them (guarded, so a late heartbeat that renewed the lease wins) with an audit
   * event. Normally finds nothing: one indexed read per claim.
   */
  private async deadLetterExpired(now: Date): Promise<void> {
    const expired = await this.db.job.findMany({
      where: { state: 'processing', leaseExpiresAt: { lte: now }, attempts: { gte: this.db.job.fields.maxAttempts } },
      take: 100,
    });
    for (const job of expired) {
      const lastError = `lease expired on attempt ${job.attempts} of ${job.maxAttempts} (worker ${job.leaseOwner ?? '?'} died or hung)`;
      try {
        await this.db.job.update({
          where: { id: job.id, state: 'processing', leaseOwner: job.leaseOwner, leaseExpiresAt: { lte: now } },
          data: { state: 'dead', lastError, leaseOwner: null, leaseExpiresAt: null, finishedAt: now, updatedAt: now },
        });
      } catch (err) {
        if (isPrismaError(err, 'P2025')) continue; // renewed, or another claimer got there first
        throw err;
      }
      await recordAudit(this.db, {
        at: now, actor: 'system', action: 'job.dead-lettered', subject: jobSubject(job.id),
        detail: { reason: 'lease expired', attempts: job.attempts, worker: job.leaseOwner },
      });
    }
  }
}

function isPrismaError(err: unknown, code: string): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === code;
}

function asJobState(state: string): JobState {
  if ((JOB_STATES as readonly string[]).includes(state)) return state as JobState;
  throw new Error(`unknown job state in the database: ${state}`);
}

function asJobRole(role: string): JobRole {
  if ((JOB_ROLES as readonly string[]).includes(role)) return role as JobRole;
  throw new Error(`unknown job role in the database: ${role}`);
}

function derivedFacts(row: JobRow): DerivedFacts | null {
  const { derivedPath, derivedSopInstanceUid, derivedSeriesInstanceUid, guardClippedFraction, guardMaxChange, guardFlagged } = row;
  if (derivedPath === null || derivedSopInstanceUid === null || derivedSeriesInstanceUid === null
    || guardClippedFraction === null || guardMaxChange === null || guardFlagged === null) return null;
  return { path: derivedPath, sopInstanceUid: derivedSopInstanceUid, seriesInstanceUid: derivedSeriesInstanceUid, guardClippedFraction, guardMaxChange, guardFlagged };
}

/** The Job columns of DerivedFacts (null clears them; undefined leaves them). */
function derivedColumns(d: DerivedFacts | null | undefined): Prisma.JobUpdateInput {
  if (d === undefined) return {};
  return {
    derivedPath: d?.path ?? null, derivedSopInstanceUid: d?.sopInstanceUid ?? null, derivedSeriesInstanceUid: d?.seriesInstanceUid ?? null,
    guardClippedFraction: d?.guardClippedFraction ?? null, guardMaxChange: d?.guardMaxChange ?? null, guardFlagged: d?.guardFlagged ?? null,
  };
}

function toJob(row: JobRow): Job {
  return {
    id: row.id, instanceId: row.instanceId, sopInstanceUid: row.sopInstanceUid, studyInstanceUid: row.studyInstanceUid,
    modelId: row.modelId, modelVersion: row.modelVersion, paramsHash: row.paramsHash, role: asJobRole(row.role),
    state: asJobState(row.state), attempts: row.attempts, maxAttempts: row.maxAttempts, nextRunAt: row.nextRunAt,
    leaseOwner: row.leaseOwner, leaseExpiresAt: row.leaseExpiresAt, lastError: row.lastError,
    held: row.held === true, guardOverride: row.guardOverride, derived: derivedFacts(row),
    createdAt: row.createdAt, updatedAt: row.updatedAt,
  };
}
