// A job's timeline for the console, from what the node records: the instance's receipt, the
// job's creation, the stage timings of its last run (Job.timingsJson: readMs, decodeMs,
// normalizeMs, inferMs, guardMs, denormalizeMs, encodeMs, exportMs, totalMs), one entry per
// delivery, the audit trail (retries, sends, dead-letters) and where it stands now.
//
// Only the last run's timings are kept (complete() replaces them), and they are durations, not
// clock times: a stage's `at` is the run's start (finishedAt - totalMs) plus the stages before
// it, which is exact for the order and within milliseconds for the time.
import type { AuditEvent, Delivery, Instance, Job } from '@prisma/client';
import { timings } from './views.js';

export interface TimelineEntry {
  readonly stage: string;
  readonly at: string;
  readonly ms?: number;
  readonly ok: boolean;
  readonly error?: string;
  /** Who did it, for operator actions. */
  readonly actor?: string;
  readonly detail?: string;
}

/** The pipeline's stages in the order a run goes through them. */
export const STAGE_ORDER = ['read', 'decode', 'normalize', 'infer', 'guard', 'denormalize', 'encode', 'export'] as const;

const AUDIT_STAGES: Readonly<Record<string, string>> = {
  'job.retry': 'retried', 'job.send': 'send again', 'job.send-held': 'send held', 'job.dead-lettered': 'dead-lettered',
  'job.reprocess': 'reprocess requested',
};

export function buildTimeline(job: Job, instance: Pick<Instance, 'receivedAt'>, deliveries: readonly Delivery[], audit: readonly AuditEvent[]): TimelineEntry[] {
  const stages = runStages(job);
  const out: TimelineEntry[] = [
    { stage: 'received', at: instance.receivedAt.toISOString(), ok: true },
    { stage: 'queued', at: job.createdAt.toISOString(), ok: true },
    ...stages,
    ...deliveries.map((d) => afterExport(deliveryEntry(d), stages)),
    ...audit.filter((a) => AUDIT_STAGES[a.action]).map(auditEntry),
  ];
  const end = endEntry(job);
  if (end) out.push(end);
  // Stable sort: entries at the same instant keep the order above (stages before their end).
  return out.map((e, i) => ({ e, i })).sort((a, b) => a.e.at.localeCompare(b.e.at) || a.i - b.i).map(({ e }) => e);
}

function runStages(job: Job): TimelineEntry[] {
  const t = timings(job.timingsJson);
  if (!t || !job.finishedAt) return [];
  const total = t.totalMs ?? STAGE_ORDER.reduce((s, k) => s + (t[`${k}Ms`] ?? 0), 0);
  let at = job.finishedAt.getTime() - total;
  const out: TimelineEntry[] = [];
  for (const stage of STAGE_ORDER) {
    const ms = t[`${stage}Ms`];
    if (ms === undefined) continue;
    // A held image is not exported: its 0 ms export stage says nothing.
    if (stage === 'export' && ms === 0 && job.held) continue;
    out.push({ stage, at: new Date(at).toISOString(), ms: round(ms), ok: true });
    at += ms;
  }
  return out;
}

/**
 * A delivery made by the run happened during its export stage, but the stages' clock times are
 * reckoned back from finishedAt (see above), so a delivery can look earlier than the stages that
 * led to it. Within the run it is shown at the export stage's time, after it (the sort is stable).
 */
function afterExport(entry: TimelineEntry, stages: readonly TimelineEntry[]): TimelineEntry {
  const exportAt = stages.find((e) => e.stage === 'export')?.at;
  const runStart = stages[0]?.at;
  if (!exportAt || !runStart || entry.at >= exportAt || entry.at < runStart) return entry;
  return { ...entry, at: exportAt };
}

function deliveryEntry(d: Delivery): TimelineEntry {
  const at = (d.sentAt ?? d.updatedAt).toISOString();
  const detail = `${d.state}, ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${d.lastStatus !== null ? `, status 0x${d.lastStatus.toString(16).padStart(4, '0')}` : ''}`;
  return { stage: `deliver ${d.destination}`, at, ok: d.state === 'sent', ...(d.lastError ? { error: d.lastError } : {}), detail };
}

function auditEntry(a: AuditEvent): TimelineEntry {
  const failed = a.outcome !== 'ok' || a.action === 'job.dead-lettered';
  const detail = parseObject(a.detailJson);
  const error = a.action === 'job.dead-lettered' && typeof detail.error === 'string' ? detail.error : undefined;
  return { stage: AUDIT_STAGES[a.action]!, at: a.at.toISOString(), ok: !failed, actor: a.actor, ...(error ? { error } : {}), ...(typeof detail.reason === 'string' ? { detail: detail.reason } : {}) };
}

/** Where the job stands: finished, failing (with the error) or still on its way. */
function endEntry(job: Job): TimelineEntry | undefined {
  const at = (job.finishedAt ?? job.updatedAt).toISOString();
  switch (job.state) {
    case 'exported':
      return { stage: job.held ? 'held by the guard (not sent)' : 'exported', at, ok: true };
    case 'kept':
      return { stage: 'kept (shadow result, not sent)', at, ok: true };
    case 'failed':
      return { stage: 'failed', at, ok: false, ...(job.lastError ? { error: job.lastError } : {}), detail: `will retry at ${job.nextRunAt.toISOString()}` };
    case 'dead':
      return undefined; // its audit row ('dead-lettered') says when and why
    case 'processing':
      return { stage: 'processing', at: job.updatedAt.toISOString(), ok: true, detail: `attempt ${job.attempts} of ${job.maxAttempts}` };
    default:
      return job.lastError ? { stage: 'last attempt failed', at, ok: false, error: job.lastError } : undefined;
  }
}

function parseObject(json: string | null): Record<string, unknown> {
  try {
    const v = json ? (JSON.parse(json) as unknown) : null;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
