// The zod schemas of what the studies, jobs, dashboard and audit routes answer (for the
// OpenAPI document and the tests, which parse every answer with them), and the query pieces
// those routes share.
import { z } from 'zod';

const isoDate = z.string().describe('ISO 8601 date-time');
const nullableIso = isoDate.nullable();

export const jobSchema = z.object({
  id: z.string(), instanceId: z.string(), sopInstanceUid: z.string(), studyInstanceUid: z.string(),
  modelId: z.string(), modelVersion: z.string(), paramsHash: z.string(),
  state: z.string().describe('received | queued | processing | exported | kept | failed | dead'),
  role: z.string().describe('primary | shadow | reprocess'),
  attempts: z.number(), maxAttempts: z.number(), nextRunAt: isoDate, lastError: z.string().nullable(),
  derivedSopInstanceUid: z.string().nullable(), derivedSeriesInstanceUid: z.string().nullable(),
  guardClippedFraction: z.number().nullable(), guardMaxChange: z.number().nullable(), guardFlagged: z.boolean().nullable(),
  held: z.boolean(), guardOverride: z.boolean(),
  timingsMs: z.record(z.string(), z.number()).nullable().describe('stage timings of the last run (readMs, decodeMs, inferMs, ..., totalMs)'),
  createdAt: isoDate, updatedAt: isoDate, finishedAt: nullableIso,
});

export const deliverySchema = z.object({
  destination: z.string(), state: z.string().describe('pending | sent | failed'), attempts: z.number(),
  lastStatus: z.number().nullable(), lastError: z.string().nullable(), sentAt: nullableIso, createdAt: isoDate, updatedAt: isoDate,
});

export const auditSchema = z.object({
  id: z.string(), at: isoDate, actor: z.string(), action: z.string(), subject: z.string(),
  outcome: z.string().describe('ok | denied | failed'), ip: z.string().nullable(), detail: z.unknown(),
});

export const timelineSchema = z.object({
  stage: z.string(), at: isoDate, ms: z.number().optional(), ok: z.boolean(), error: z.string().optional(),
  actor: z.string().optional(), detail: z.string().optional(),
});

export const jobDetailSchema = z.object({
  job: jobSchema,
  timeline: z.array(timelineSchema),
  deliveries: z.array(deliverySchema),
  shadow: jobSchema.optional().describe('the shadow job of the same instance, if any'),
  primary: jobSchema.optional().describe('for a shadow job: the primary job of the same instance'),
  audit: z.array(auditSchema),
  files: z.object({ source: z.boolean(), derived: z.boolean() }).describe('whether the received and derived files are still on disk'),
});

export const studySummarySchema = z.object({
  studyInstanceUid: z.string(), patientId: z.string().nullable(), accessionNumber: z.string().nullable(), studyDate: z.string().nullable(),
  instances: z.number(), jobs: z.record(z.string(), z.number()), guardFlagged: z.boolean(), lastReceivedAt: isoDate,
});

export const instanceSchema = z.object({
  id: z.string(), sopInstanceUid: z.string(), seriesInstanceUid: z.string(), modality: z.string().nullable(),
  bodyPartExamined: z.string().nullable(), viewPosition: z.string().nullable(), seriesDescription: z.string().nullable(),
  status: z.string(), skipReason: z.string().nullable(), receivedAt: isoDate, receiveCount: z.number(), purgedAt: nullableIso,
  jobs: z.array(jobSchema),
});

export const studyDetailSchema = z.object({ study: studySummarySchema, instances: z.array(instanceSchema) });

/** `?limit=` as text, 1..max. */
export const limitParam = (def: number, max: number) => z.coerce.number().int().min(1).max(max).default(def);
