// Database rows as the API shows them: dates as ISO strings, JSON columns parsed, file paths
// left out (a path on the server means nothing to the console and says how the disk is laid out).
import type { AuditEvent, Delivery, Job } from '@prisma/client';

export interface JobView {
  readonly id: string;
  readonly instanceId: string;
  readonly sopInstanceUid: string;
  readonly studyInstanceUid: string;
  readonly modelId: string;
  readonly modelVersion: string;
  readonly paramsHash: string;
  readonly state: string;
  readonly role: string;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly nextRunAt: string;
  readonly lastError: string | null;
  readonly derivedSopInstanceUid: string | null;
  readonly derivedSeriesInstanceUid: string | null;
  readonly guardClippedFraction: number | null;
  readonly guardMaxChange: number | null;
  readonly guardFlagged: boolean | null;
  readonly held: boolean;
  readonly guardOverride: boolean;
  readonly timingsMs: Record<string, number> | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt: string | null;
}

export function jobView(j: Job): JobView {
  return {
    id: j.id, instanceId: j.instanceId, sopInstanceUid: j.sopInstanceUid, studyInstanceUid: j.studyInstanceUid,
    modelId: j.modelId, modelVersion: j.modelVersion, paramsHash: j.paramsHash, state: j.state, role: j.role,
    attempts: j.attempts, maxAttempts: j.maxAttempts, nextRunAt: j.nextRunAt.toISOString(), lastError: j.lastError,
    derivedSopInstanceUid: j.derivedSopInstanceUid, derivedSeriesInstanceUid: j.derivedSeriesInstanceUid,
    guardClippedFraction: j.guardClippedFraction, guardMaxChange: j.guardMaxChange, guardFlagged: j.guardFlagged,
    held: j.held === true, guardOverride: j.guardOverride, timingsMs: timings(j.timingsJson),
    createdAt: j.createdAt.toISOString(), updatedAt: j.updatedAt.toISOString(), finishedAt: iso(j.finishedAt),
  };
}

/** The recorded stage timings; a row written by an older node or by hand may hold anything. */
export function timings(json: string | null): Record<string, number> | null {
  if (!json) return null;
  try {
    const parsed = JSON.parse(json) as unknown;
    if (!parsed || typeof parsed !== 'object') return null;
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
  } catch {
    return null;
  }
}

export interface DeliveryView {
  readonly destination: string;
  readonly state: string;
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly sentAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function deliveryView(d: Delivery): DeliveryView {
  return {
    destination: d.destination, state: d.state, attempts: d.attempts, lastStatus: d.lastStatus, lastError: d.lastError,
    sentAt: iso(d.sentAt), createdAt: d.createdAt.toISOString(), updatedAt: d.updatedAt.toISOString(),
  };
}

export interface AuditView {
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly outcome: string;
  readonly ip: string | null;
  readonly detail: unknown;
}

export function auditView(a: AuditEvent): AuditView {
  return { id: a.id, at: a.at.toISOString(), actor: a.actor, action: a.action, subject: a.subject, outcome: a.outcome, ip: a.ip, detail: parseDetail(a.detailJson) };
}

function parseDetail(json: string | null): unknown {
  if (json === null) return null;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return json; // kept as written: the audit trail is never rewritten
  }
}

export function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}
