// The audit trail the admin console shows: who retried or dead-lettered which job, and why.
import type { AuditEvent } from '@prisma/client';
import type { Database } from './database.js';

export interface AuditInput {
  /** 'system', a worker id, or an operator's name. */
  readonly actor: string;
  /** Dotted verb, e.g. 'job.retry', 'job.dead-lettered'. */
  readonly action: string;
  /** What it happened to, e.g. 'job:<id>'. */
  readonly subject: string;
  /** Free-form facts (never patient data); stored as JSON. */
  readonly detail?: Readonly<Record<string, unknown>>;
  readonly at?: Date;
}

export async function recordAudit(db: Database, event: AuditInput): Promise<AuditEvent> {
  return db.auditEvent.create({
    data: {
      at: event.at ?? new Date(),
      actor: event.actor,
      action: event.action,
      subject: event.subject,
      detailJson: event.detail === undefined ? null : JSON.stringify(event.detail),
    },
  });
}

export async function listAudit(db: Database, filter: { subject?: string; action?: string; limit?: number } = {}): Promise<AuditEvent[]> {
  return db.auditEvent.findMany({
    where: { subject: filter.subject, action: filter.action },
    orderBy: [{ at: 'desc' }, { id: 'desc' }],
    take: Math.min(Math.max(filter.limit ?? 100, 1), 1000),
  });
}

export function jobSubject(jobId: string): string {
  return `job:${jobId}`;
}
