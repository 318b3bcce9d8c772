// The export step of a job: send the derived object to every destination it has not reached
// yet, record each delivery, and report what failed (and since when) so the worker can tell a
// destination outage, which must not use up the job's attempts, from a real failure.
import type { Destination, SendOutcome } from '../export/types.js';
import type { Logger } from '../node/logger.js';
import type { NodeMetrics } from '../node/metrics.js';
import type { Job } from '../queue/queue.js';
import type { DeliveryLog, ProcessedInstance } from './job-worker.js';

export interface ExportDeps {
  readonly deliveries: DeliveryLog;
  readonly destinations: readonly Destination[];
  readonly send: (destination: Destination, path: string) => Promise<SendOutcome>;
  readonly metrics: NodeMetrics;
}

export interface ExportFailure {
  readonly message: string;
  /** Every failed destination may succeed later (down, busy, timed out). */
  readonly retryable: boolean;
  /** First failed delivery of this job to a destination that still fails: the outage start. */
  readonly since: Date;
  /** Most failed deliveries to one of them so far: the backoff step. */
  readonly failures: number;
}

export async function exportToDestinations(job: Job, processed: ProcessedInstance, deps: ExportDeps, log: Logger): Promise<ExportFailure | null> {
  const sent = await deps.deliveries.sentDestinations(job.id);
  const failed: { destination: string; outcome: Extract<SendOutcome, { ok: false }>; attempts: number; createdAt: Date }[] = [];
  for (const destination of deps.destinations) {
    if (sent.has(destination.name)) continue;
    const file = await processed.derived({ secondaryCapture: destination.secondaryCapture === true });
    const outcome = await deps.send(destination, file.path);
    const record = await deps.deliveries.record(job.id, destination.name, outcome);
    deps.metrics.exported.inc({ destination: destination.name, outcome: outcome.ok ? 'sent' : 'failed' });
    if (outcome.ok) log.info({ destination: destination.name, status: outcome.status }, 'derived instance sent');
    else failed.push({ destination: destination.name, outcome, attempts: record.attempts, createdAt: record.createdAt });
  }
  if (failed.length === 0) return null;
  return {
    message: failed.map((f) => `${f.destination}: ${f.outcome.error}`).join('; '),
    retryable: failed.every((f) => f.outcome.retryable),
    since: new Date(Math.min(...failed.map((f) => f.createdAt.getTime()))),
    failures: Math.max(...failed.map((f) => f.attempts)),
  };
}

/** Destinations this job still has to reach. */
export async function pendingDestinations(job: Job, deps: Pick<ExportDeps, 'deliveries' | 'destinations'>): Promise<Destination[]> {
  const sent = await deps.deliveries.sentDestinations(job.id);
  return deps.destinations.filter((d) => !sent.has(d.name));
}
