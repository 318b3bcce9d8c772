// Reading jobs for the console: a filtered, keyset-paginated list (newest first) and one job
// with its timeline, deliveries, audit trail and the other model's job for the same instance.
import { existsSync } from 'node:fs';
import type { Job, Prisma } from '@prisma/client';
import type { Database } from '../db/index.js';
import { notFound } from '../http/errors.js';
import { decodeCursor, page } from './cursor.js';
import { buildTimeline, type TimelineEntry } from './timeline.js';
import { auditView, deliveryView, jobView, type AuditView, type DeliveryView, type JobView } from './views.js';

export interface JobFilter {
  readonly state?: string;
  readonly role?: string;
  readonly limit: number;
  readonly cursor?: string;
}

export async function listJobs(db: Database, f: JobFilter): Promise<{ items: JobView[]; nextCursor: string | null }> {
  const where: Prisma.JobWhereInput = { state: f.state, role: f.role };
  if (f.cursor) {
    const { at, key } = decodeCursor(f.cursor);
    where.OR = [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: key } }];
  }
  const rows = await db.job.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: f.limit + 1 });
  const { items, nextCursor } = page(rows, f.limit, (j) => ({ at: j.createdAt, key: j.id }));
  return { items: items.map(jobView), nextCursor };
}

export async function findJob(db: Database, id: string): Promise<Job> {
  const job = await db.job.findUnique({ where: { id } });
  if (!job) throw notFound(`no job ${id}`);
  return job;
}

export interface JobDetail {
  readonly job: JobView;
  readonly timeline: TimelineEntry[];
  readonly deliveries: DeliveryView[];
  readonly shadow?: JobView;
  readonly primary?: JobView;
  readonly audit: AuditView[];
  readonly files: { readonly source: boolean; readonly derived: boolean };
}

/** Audit rows of one job shown with it (the newest; the audit page has them all). */
const JOB_AUDIT_ROWS = 200;

export async function jobDetail(db: Database, id: string): Promise<JobDetail> {
  const job = await findJob(db, id);
  const [instance, deliveries, audit, siblings] = await Promise.all([
    db.instance.findUniqueOrThrow({ where: { id: job.instanceId } }),
    db.delivery.findMany({ where: { jobId: id }, orderBy: { destination: 'asc' } }),
    db.auditEvent.findMany({ where: { subject: `job:${id}` }, orderBy: [{ at: 'desc' }, { id: 'desc' }], take: JOB_AUDIT_ROWS }),
    db.job.findMany({ where: { instanceId: job.instanceId, id: { not: id } }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
  ]);
  const shadow = job.role !== 'shadow' ? siblings.find((j) => j.role === 'shadow') : undefined;
  const primary = job.role === 'shadow' ? siblings.find((j) => j.role === 'primary') : undefined;
  return {
    job: jobView(job),
    timeline: buildTimeline(job, instance, deliveries, [...audit].reverse()),
    deliveries: deliveries.map(deliveryView),
    ...(shadow ? { shadow: jobView(shadow) } : {}),
    ...(primary ? { primary: jobView(primary) } : {}),
    audit: audit.map(auditView),
    files: { source: instance.purgedAt === null && existsSync(instance.path), derived: job.derivedPath !== null && existsSync(job.derivedPath) },
  };
}
