// Per-destination delivery records of a job. A job sent to two destinations where one failed
// is retried as a whole, and the worker skips the destinations already marked 'sent', so only
// the failed one gets the instance again (the worker's DeliveryLog interface).
import type { Delivery } from '@prisma/client';
import type { Database } from '../db/database.js';
import type { SendOutcome } from '../export/types.js';

export class PrismaDeliveryLog {
  private readonly now: () => Date;

  constructor(private readonly db: Database, options: { now?: () => Date } = {}) {
    this.now = options.now ?? (() => new Date());
  }

  /** Destinations this job already reached; a retry skips them. */
  async sentDestinations(jobId: string): Promise<ReadonlySet<string>> {
    const rows = await this.db.delivery.findMany({ where: { jobId, state: 'sent' }, select: { destination: true } });
    return new Set(rows.map((r) => r.destination));
  }

  /** Records one send attempt (one upsert on (jobId, destination): a single statement). */
  async record(jobId: string, destination: string, outcome: SendOutcome): Promise<Delivery> {
    const now = this.now();
    const state = outcome.ok ? 'sent' : 'failed';
    const facts = {
      state, lastStatus: outcome.status ?? null, lastError: outcome.ok ? null : outcome.error,
      sentAt: outcome.ok ? now : null, updatedAt: now,
    };
    return this.db.delivery.upsert({
      where: { jobId_destination: { jobId, destination } },
      create: { jobId, destination, attempts: 1, createdAt: now, ...facts },
      update: { attempts: { increment: 1 }, ...facts },
    });
  }

  /** A job's deliveries, by destination name (admin console). */
  async list(jobId: string): Promise<Delivery[]> {
    return this.db.delivery.findMany({ where: { jobId }, orderBy: { destination: 'asc' } });
  }
}
