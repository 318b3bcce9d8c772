// What an operator does to a job from the console: retry a failed or dead one, send a finished
// one again, send an image the guard held, or process the instance again with another model.
// Each is a few single-statement writes (database.ts: no transactions), each guarded by the
// state it expects, so a worker that moved the job meanwhile wins and the caller gets a 409.
// The routes audit them; retry and send-held are also recorded by the queue itself.
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Prisma, type Instance, type Job, type Model } from '@prisma/client';
import type { Database } from '../db/index.js';
import { conflict, notFound } from '../http/errors.js';
import { JobStateError, type PrismaJobQueue } from '../queue/index.js';
import { findJob } from './job-queries.js';

export interface JobActionDeps {
  readonly db: Database;
  readonly queue: Pick<PrismaJobQueue, 'retry' | 'sendHeld' | 'maxAttempts'>;
  /** Wakes the worker (JobWorker.notify) so a requeued job does not wait for the next poll. */
  readonly notify?: () => void;
  /**
   * The idempotency key's parameter hash for a job of `model` (the registry's worker side knows
   * the model's processing parameters). Default: the source job's hash (same parameters).
   */
  readonly paramsHashFor?: (model: Model, source: Job) => string;
  readonly now?: () => Date;
}

export interface SendAgainResult {
  readonly job: Job;
  /** The deliveries set back to pending, as they were before. */
  readonly reset: readonly { destination: string; state: string; attempts: number; sentAt: string | null }[];
  /** True when the derived file is still there (sent as is); false: derived again from the received file. */
  readonly reusesDerivedFile: boolean;
}

export class JobActions {
  private readonly now: () => Date;

  constructor(private readonly deps: JobActionDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Failed or dead -> queued now, attempts reset (the queue's retry, which audits it as `actor`). */
  async retry(id: string, actor: string): Promise<{ job: Job; from: string }> {
    const before = await findJob(this.deps.db, id);
    await queueCall(() => this.deps.queue.retry(id, actor));
    this.deps.notify?.();
    return { job: await findJob(this.deps.db, id), from: before.state };
  }

  /** A guard-held image sent anyway: guardOverride set and requeued (the queue's sendHeld, audited 'job.send-held'). */
  async sendHeld(id: string, actor: string): Promise<Job> {
    await findJob(this.deps.db, id);
    await queueCall(() => this.deps.queue.sendHeld(id, actor));
    this.deps.notify?.();
    return findJob(this.deps.db, id);
  }

  /**
   * Send an exported job to every destination again: its deliveries back to pending and the job
   * requeued. The worker sends the kept derived file (or derives it again, byte-identical, if
   * retention deleted it); derived UIDs are deterministic, so the PACS gets the same instance.
   */
  async sendAgain(id: string): Promise<SendAgainResult> {
    const { db } = this.deps;
    const job = await findJob(db, id);
    refuseSendAgain(job);
    const instance = await db.instance.findUniqueOrThrow({ where: { id: job.instanceId } });
    const reusesDerivedFile = job.derivedPath !== null && existsSync(job.derivedPath);
    if (!reusesDerivedFile && !receivedFileThere(instance)) {
      throw conflict('cannot send again: retention deleted both the received and the derived file (the PACS has the originals)');
    }
    const now = this.now();
    const deliveries = await db.delivery.findMany({ where: { jobId: id }, orderBy: { destination: 'asc' } });
    // Deliveries first: once the job is queued a worker may claim it at once, and it skips
    // every destination still marked sent.
    for (const d of deliveries) await db.delivery.update({ where: { id: d.id }, data: { state: 'pending', lastError: null, updatedAt: now } });
    const requeued = await guarded(id, () => db.job.update({
      where: { id, state: 'exported', updatedAt: job.updatedAt },
      data: { state: 'queued', attempts: 0, nextRunAt: now, finishedAt: null, leaseOwner: null, leaseExpiresAt: null, updatedAt: now },
    }));
    this.deps.notify?.();
    const reset = deliveries.map((d) => ({ destination: d.destination, state: d.state, attempts: d.attempts, sentAt: d.sentAt?.toISOString() ?? null }));
    return { job: requeued, reset, reusesDerivedFile };
  }

  /**
   * A new job (role 'reprocess') for the same instance with a registry model: its name and
   * version become the job's modelId and modelVersion; the worker picks the model file by them.
   */
  async reprocess(id: string, modelRowId: string): Promise<{ job: Job; model: Model }> {
    const { db } = this.deps;
    const source = await findJob(db, id);
    const model = await db.model.findUnique({ where: { id: modelRowId } });
    if (!model) throw notFound(`modelId: no model ${modelRowId} in the registry`);
    if (model.status === 'retired') throw conflict(`model ${model.name} ${model.version} is retired: register or promote it again first`);
    const instance = await db.instance.findUniqueOrThrow({ where: { id: source.instanceId } });
    if (!receivedFileThere(instance)) throw conflict('cannot reprocess: retention deleted the received file (send the instance again from the PACS)');
    const paramsHash = this.deps.paramsHashFor?.(model, source) ?? source.paramsHash;
    const now = this.now();
    const inserted = await db.$queryRaw<{ id: string }[]>`
      INSERT INTO "Job" ("id", "instanceId", "sopInstanceUid", "studyInstanceUid", "modelId", "modelVersion", "paramsHash",
        "state", "role", "attempts", "maxAttempts", "nextRunAt", "createdAt", "updatedAt")
      VALUES (${randomUUID()}, ${source.instanceId}, ${source.sopInstanceUid}, ${source.studyInstanceUid}, ${model.name},
        ${model.version}, ${paramsHash}, 'queued', 'reprocess', 0, ${this.deps.queue.maxAttempts}, ${now}, ${now}, ${now})
      ON CONFLICT ("sopInstanceUid", "modelId", "modelVersion", "paramsHash") DO NOTHING
      RETURNING "id"`;
    const created = inserted[0];
    if (!created) {
      const existing = await db.job.findFirst({ where: { sopInstanceUid: source.sopInstanceUid, modelId: model.name, modelVersion: model.version, paramsHash } });
      throw conflict(`this instance already has a job with ${model.name} ${model.version} (job ${existing?.id ?? '?'}, ${existing?.state ?? '?'}): retry or send that one`);
    }
    this.deps.notify?.();
    return { job: await findJob(db, created.id), model };
  }
}

function refuseSendAgain(job: Job): void {
  if (job.role === 'shadow') throw conflict('a shadow job\'s result is kept for review and never sent');
  if (job.state === 'failed' || job.state === 'dead') throw conflict(`job ${job.id} is ${job.state}: retry it instead`);
  if (job.state !== 'exported') throw conflict(`job ${job.id} is ${job.state}: only an exported job can be sent again`);
  if (job.held && !job.guardOverride) throw conflict(`job ${job.id} was held by the guard: send it with send-held (audited)`);
}

function receivedFileThere(instance: Instance): boolean {
  return instance.purgedAt === null && existsSync(instance.path);
}

async function queueCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof JobStateError) throw /^no job /.test(err.message) ? notFound(err.message) : conflict(err.message);
    throw err;
  }
}

/** An update guarded by the state read before: P2025 means a worker moved the job meanwhile. */
async function guarded<T>(id: string, update: () => Promise<T>): Promise<T> {
  try {
    return await update();
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2025') throw conflict(`job ${id} changed meanwhile; reload and try again`);
    throw err;
  }
}
