// The job worker: claims jobs from the queue and drives one instance through
// decode -> denoise -> guard -> derive -> export, recording the outcome on the job.
//   in:  a JobQueue, the processing stage, the export stage, the destinations
//   out: jobs ended 'exported' (sent to every destination, or held by the guard policy),
//        retried with backoff, or dead-lettered with a readable error
//
// Each destination's delivery is recorded as it happens, so a retry after a partial failure
// re-sends only where it failed; derived UIDs are deterministic, so even a send repeated after
// a crash lands on the same instance at the PACS.
import type { Destination, SendOutcome } from '../export/types.js';
import type { Logger } from '../node/logger.js';
import type { NodeMetrics } from '../node/metrics.js';
import type { GuardPolicy } from '../pipeline/guard/index.js';
import type { FailOptions, Job, JobQueue, JobResult } from '../queue/queue.js';
import { classifyError, type ClassifiedError } from './errors.js';
import { exportToDestinations, type ExportFailure } from './export-step.js';
import { reusableProcessing } from './reuse.js';

export interface DerivedFile {
  readonly path: string;
  readonly sopInstanceUid: string;
  readonly seriesInstanceUid: string;
}

export interface ProcessedInstance {
  readonly guard: { readonly clippedFraction: number; readonly maxChange: number; readonly flagged: boolean };
  readonly timingsMs: Readonly<Record<string, number>>;
  /** The derived object for a destination kind, written to disk once per kind. */
  derived(variant: { secondaryCapture: boolean }): Promise<DerivedFile>;
}

export interface DeliveryLog {
  sentDestinations(jobId: string): Promise<ReadonlySet<string>>;
  /** Records one attempt; returns the delivery's attempt count and when it was first tried. */
  record(jobId: string, destination: string, outcome: SendOutcome): Promise<{ readonly attempts: number; readonly createdAt: Date }>;
}

export interface WorkerDeps {
  readonly queue: JobQueue;
  readonly deliveries: DeliveryLog;
  /** Path of the received file of an instance. */
  readonly instancePath: (instanceId: string) => Promise<string>;
  readonly process: (path: string, job: Job) => Promise<ProcessedInstance>;
  readonly send: (destination: Destination, path: string) => Promise<SendOutcome>;
  readonly destinations: readonly Destination[];
  readonly guardPolicy: GuardPolicy;
  readonly log: Logger;
  readonly metrics: NodeMetrics;
}

export interface WorkerOptions {
  readonly workerId: string;
  readonly concurrency: number;
  readonly leaseMs: number;
  readonly pollMs: number;
  /** How long a destination may stay unreachable before its jobs count attempts again. */
  readonly outageMs: number;
}

export class JobWorker {
  private running = false;
  private readonly loops: Promise<void>[] = [];
  private readonly inFlight = new Map<string, Job>();
  /** One waker per idle loop (concurrency > 1 has several). */
  private readonly wakers = new Set<() => void>();

  constructor(private readonly deps: WorkerDeps, private readonly options: WorkerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    for (let i = 0; i < this.options.concurrency; i++) this.loops.push(this.loop());
  }

  /** New work arrived: skip the rest of the poll interval. */
  notify(): void {
    for (const wake of this.wakers) wake();
  }

  /**
   * Stops claiming; waits up to `graceMs` for jobs in flight, then gives the rest back to
   * the queue so another worker (or the next start) takes them without waiting for the lease.
   */
  async stop(graceMs = 30_000): Promise<void> {
    this.running = false;
    this.notify();
    const finished = Promise.all(this.loops).then(() => true);
    const timedOut = new Promise<boolean>((r) => setTimeout(() => r(false), graceMs).unref());
    if (!(await Promise.race([finished, timedOut]))) {
      for (const job of this.inFlight.values()) {
        await this.deps.queue.release(job.id, this.options.workerId).catch(() => {});
        this.deps.log.warn({ jobId: job.id }, 'job released at shutdown');
      }
    }
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let job: Job | null = null;
      try {
        job = await this.deps.queue.claim(this.options.workerId, this.options.leaseMs);
      } catch (err) {
        this.deps.log.error({ err }, 'claiming a job failed');
      }
      if (job) await this.runClaimed(job);
      else await this.idle();
    }
  }

  private idle(): Promise<void> {
    return new Promise((r) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        r();
      };
      const timer = setTimeout(done, this.options.pollMs);
      this.wakers.add(done);
    });
  }

  private async runClaimed(job: Job): Promise<void> {
    this.inFlight.set(job.id, job);
    const log = this.deps.log.child({ jobId: job.id, sopInstanceUid: job.sopInstanceUid, attempt: job.attempts });
    const heartbeat = setInterval(() => {
      this.deps.queue.heartbeat(job.id, this.options.workerId, this.options.leaseMs)
        .then((ok) => { if (!ok) log.warn({}, 'lease lost; another worker may take this job'); })
        .catch((err) => log.warn({ err }, 'heartbeat failed'));
    }, Math.max(250, Math.floor(this.options.leaseMs / 3)));
    try {
      await this.runJob(job, log);
    } catch (err) {
      await this.failJob(job, err, log);
    } finally {
      clearInterval(heartbeat);
      this.inFlight.delete(job.id);
    }
  }

  private async runJob(job: Job, log: Logger): Promise<void> {
    const started = performance.now();
    // Destinations and guard policy can change while the node runs (the console, settings/):
    // a job keeps the ones in force when it started, read once here.
    const deps: WorkerDeps = { ...this.deps, destinations: this.deps.destinations, guardPolicy: this.deps.guardPolicy };
    const reused = await reusableProcessing(job, deps);
    log.info({ reused: reused !== null }, 'job started');
    const processed = reused ?? await stage('process', async () => this.deps.process(await this.deps.instancePath(job.instanceId), job));
    if (job.role === 'shadow') return this.keepShadow(job, processed, started, log);
    // An operator's "send anyway" (sendHeld) overrides the hold; GUARD stays in the description.
    const held = processed.guard.flagged && deps.guardPolicy === 'hold' && !job.guardOverride;
    if (processed.guard.flagged && !reused) this.deps.metrics.guardTrips.inc({ policy: deps.guardPolicy });
    const main = await stage('derive', () => processed.derived({ secondaryCapture: false }));
    let exportMs = 0;
    if (!held) {
      const t = performance.now();
      const failure = await stage('export', () => exportToDestinations(job, processed, deps, log));
      if (failure) return this.failExport(job, failure, main, processed, log);
      exportMs = performance.now() - t;
    }
    const timingsMs = { ...processed.timingsMs, exportMs, totalMs: performance.now() - started };
    const result: JobResult = {
      derivedSopInstanceUid: main.sopInstanceUid, derivedSeriesInstanceUid: main.seriesInstanceUid,
      derivedPath: main.path, guardClippedFraction: processed.guard.clippedFraction,
      guardMaxChange: processed.guard.maxChange, guardFlagged: processed.guard.flagged, held, timingsMs,
    };
    await this.deps.queue.complete(job.id, this.options.workerId, result);
    this.deps.metrics.processed.inc({ result: held ? 'held' : 'exported' });
    this.deps.metrics.observeStages(timingsMs);
    const rounded = Object.fromEntries(Object.entries(timingsMs).map(([k, v]) => [k, Math.round(v)]));
    log.info({ held, guardFlagged: processed.guard.flagged, clipped: processed.guard.clippedFraction, ms: Math.round(timingsMs.totalMs), timingsMs: rounded },
      held ? 'job held by the guard policy (not sent)' : 'job exported');
  }

  /** A shadow job: its derived object stays on disk for review; nothing is sent, whatever the destinations. */
  private async keepShadow(job: Job, processed: ProcessedInstance, started: number, log: Logger): Promise<void> {
    const main = await stage('derive', () => processed.derived({ secondaryCapture: false }));
    const timingsMs = { ...processed.timingsMs, totalMs: performance.now() - started };
    const g = processed.guard;
    await this.deps.queue.complete(job.id, this.options.workerId, {
      derivedSopInstanceUid: main.sopInstanceUid, derivedSeriesInstanceUid: main.seriesInstanceUid, derivedPath: main.path,
      guardClippedFraction: g.clippedFraction, guardMaxChange: g.maxChange, guardFlagged: g.flagged, held: false, kept: true, timingsMs,
    });
    this.deps.metrics.processed.inc({ result: 'kept' });
    log.info({ model: `${job.modelId} ${job.modelVersion}`, guardFlagged: g.flagged, ms: Math.round(timingsMs.totalMs) }, 'shadow job kept (not sent)');
  }

  /**
   * A destination that is down or busy is an outage, not a fault of the image: within
   * `outageMs` of its first failed delivery the attempt is given back (so a PACS down for hours
   * does not dead-letter every image) and retried with backoff, sending the kept derived object.
   * Past that, or for a refusal no retry can fix, attempts count as usual.
   */
  private async failExport(job: Job, failure: ExportFailure, main: DerivedFile, processed: ProcessedInstance, log: Logger): Promise<void> {
    const outage = failure.retryable && Date.now() - failure.since.getTime() < this.options.outageMs;
    const hours = Math.round(this.options.outageMs / 3_600_000);
    const message = `export: ${failure.message}${failure.retryable && !outage ? ` (unreachable for over ${hours} h)` : ''}`;
    const g = processed.guard;
    const derived = { path: main.path, sopInstanceUid: main.sopInstanceUid, seriesInstanceUid: main.seriesInstanceUid,
      guardClippedFraction: g.clippedFraction, guardMaxChange: g.maxChange, guardFlagged: g.flagged };
    await this.recordFailure(job, { message, retryable: failure.retryable, stage: 'export' },
      { derived, ...(outage ? { keepAttempt: true, backoffStep: failure.failures } : {}) }, log);
  }

  private async failJob(job: Job, err: unknown, log: Logger): Promise<void> {
    await this.recordFailure(job, classifyError(err), {}, log);
  }

  private async recordFailure(job: Job, failure: ClassifiedError, options: FailOptions, log: Logger): Promise<void> {
    const { message, retryable, stage: failedStage } = failure;
    this.deps.metrics.failed.inc({ stage: failedStage });
    try {
      const after = await this.deps.queue.fail(job.id, this.options.workerId, message, { ...options, retryable });
      if (after.state === 'dead') this.deps.metrics.deadLettered.inc();
      const level = after.state === 'dead' ? 'error' : 'warn';
      log[level]({ error: message, state: after.state, nextRunAt: after.nextRunAt.toISOString(), attemptKept: options.keepAttempt === true },
        after.state === 'dead' ? 'job dead-lettered' : 'job failed; will retry');
    } catch (failErr) {
      // Lease lost or database down: the lease will expire and the job comes back.
      log.error({ err: failErr, error: message }, 'could not record the job failure');
    }
  }
}

/** Tags an error with the stage it came from, for the metrics and the job's error text. */
async function stage<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error && !(err as { stage?: string }).stage) (err as { stage?: string }).stage = name;
    throw err;
  }
}
