// Readers' verdicts on derived series, from the viewer. When the series is one the node made,
// the job says which model made it: those values win, and a client that claims otherwise is
// told so (409) instead of silently filing feedback against the wrong model version.
import type { Feedback, Job } from '@prisma/client';
import { jobSubject, recordAudit, type Database } from '../db/index.js';
import { badRequest, conflict } from '../http/errors.js';

export const VERDICTS = ['accept', 'reject'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface FeedbackInput {
  readonly seriesInstanceUid: string;
  readonly verdict: Verdict;
  readonly reason?: string | undefined;
  readonly modelId?: string | undefined;
  readonly modelVersion?: string | undefined;
  readonly sopInstanceUid?: string | undefined;
  readonly studyInstanceUid?: string | undefined;
  readonly reader?: string | undefined;
}

export interface FeedbackRecord {
  readonly id: string;
  readonly at: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string | null;
  readonly studyInstanceUid: string | null;
  readonly modelId: string;
  readonly modelVersion: string;
  readonly verdict: Verdict;
  readonly reason: string | null;
  readonly reader: string | null;
  readonly jobId: string | null;
}

/** Stores the verdict and its audit event; throws 400/409 HttpErrors for what the client got wrong. */
export async function recordFeedback(db: Database, input: FeedbackInput, now: Date = new Date()): Promise<FeedbackRecord> {
  const job = await jobForSeries(db, input.seriesInstanceUid, input.sopInstanceUid);
  const facts = job ? factsFromJob(job, input) : factsFromClient(input);
  const row = await db.feedback.create({
    data: {
      at: now, seriesInstanceUid: input.seriesInstanceUid, verdict: input.verdict, ...facts,
      sopInstanceUid: input.sopInstanceUid ?? job?.derivedSopInstanceUid ?? null,
      reason: input.reason ?? null, reader: input.reader ?? null, jobId: job?.id ?? null,
    },
  });
  // The reason is free text a reader typed: it stays in its table, out of the audit detail.
  await recordAudit(db, {
    at: now, actor: input.reader ? `reader:${input.reader}` : 'viewer', action: 'feedback.recorded',
    subject: job ? jobSubject(job.id) : `series:${input.seriesInstanceUid}`,
    detail: { feedbackId: row.id, verdict: row.verdict, modelId: row.modelId, modelVersion: row.modelVersion, seriesInstanceUid: row.seriesInstanceUid },
  });
  return toRecord(row);
}

/** The job behind a derived series: the one that made `sopInstanceUid` if given, else the newest. */
export async function jobForSeries(db: Database, seriesInstanceUid: string, sopInstanceUid?: string): Promise<Job | null> {
  const jobs = await db.job.findMany({ where: { derivedSeriesInstanceUid: seriesInstanceUid }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
  if (jobs.length === 0 || sopInstanceUid === undefined) return jobs[0] ?? null;
  const match = jobs.find((j) => j.derivedSopInstanceUid === sopInstanceUid);
  if (!match) throw conflict(`sopInstanceUid: ${sopInstanceUid} is not an instance of the derived series ${seriesInstanceUid}`);
  return match;
}

type Facts = Pick<Feedback, 'modelId' | 'modelVersion' | 'studyInstanceUid'>;

function factsFromJob(job: Job, input: FeedbackInput): Facts {
  const facts = { modelId: job.modelId, modelVersion: job.modelVersion, studyInstanceUid: job.studyInstanceUid };
  for (const key of ['modelId', 'modelVersion', 'studyInstanceUid'] as const) {
    const claimed = input[key];
    if (claimed !== undefined && claimed !== facts[key]) {
      throw conflict(`${key}: the series ${input.seriesInstanceUid} was made by job ${job.id} with ${key} "${facts[key]}", not "${claimed}"`);
    }
  }
  return facts;
}

function factsFromClient(input: FeedbackInput): Facts {
  if (input.modelId === undefined) throw badRequest(`modelId: required, the series ${input.seriesInstanceUid} is not one of this node's jobs`);
  if (input.modelVersion === undefined) throw badRequest(`modelVersion: required, the series ${input.seriesInstanceUid} is not one of this node's jobs`);
  return { modelId: input.modelId, modelVersion: input.modelVersion, studyInstanceUid: input.studyInstanceUid ?? null };
}

export function toRecord(row: Feedback): FeedbackRecord {
  return {
    id: row.id, at: row.at.toISOString(), seriesInstanceUid: row.seriesInstanceUid, sopInstanceUid: row.sopInstanceUid,
    studyInstanceUid: row.studyInstanceUid, modelId: row.modelId, modelVersion: row.modelVersion,
    verdict: row.verdict as Verdict, reason: row.reason, reader: row.reader, jobId: row.jobId,
  };
}
