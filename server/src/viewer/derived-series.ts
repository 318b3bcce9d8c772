// What the viewer asks about the node's derived series: which studies have one in the PACS
// (the sharpxr-compare mode is offered only for those), and which job made a given series.
import type { Job } from '@prisma/client';
import type { Database } from '../db/index.js';

export interface DerivedJob {
  readonly jobId: string;
  readonly state: string;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string | null;
  readonly sopInstanceUid: string | null;
  readonly sourceSopInstanceUid: string;
  readonly modelId: string;
  readonly modelVersion: string;
  readonly guard: { readonly clippedFraction: number | null; readonly maxChange: number | null; readonly flagged: boolean | null };
  readonly held: boolean;
  readonly guardOverride: boolean;
  readonly timingsMs: Record<string, number> | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

/** The job that made `sopInstanceUid` (else the newest job of the series), with every job of the series. */
export interface DerivedSeries extends DerivedJob {
  readonly jobs: readonly DerivedJob[];
}

/**
 * Studies with at least one derived series that reached the PACS: exported and not held back
 * by the guard (a held image was processed but never sent).
 */
export async function studiesWithDerived(db: Database, studyInstanceUids?: readonly string[]): Promise<string[]> {
  const groups = await db.job.groupBy({
    by: ['studyInstanceUid'],
    where: {
      state: 'exported', derivedSeriesInstanceUid: { not: null }, OR: [{ held: false }, { held: null }],
      ...(studyInstanceUids ? { studyInstanceUid: { in: [...studyInstanceUids] } } : {}),
    },
    orderBy: { studyInstanceUid: 'asc' },
  });
  return groups.map((g) => g.studyInstanceUid);
}

export async function derivedSeries(db: Database, seriesInstanceUid: string, sopInstanceUid?: string): Promise<DerivedSeries | null> {
  const jobs = (await db.job.findMany({ where: { derivedSeriesInstanceUid: seriesInstanceUid }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] })).map(toDerivedJob);
  const primary = sopInstanceUid === undefined ? jobs[0] : jobs.find((j) => j.sopInstanceUid === sopInstanceUid);
  return primary ? { ...primary, jobs } : null;
}

function toDerivedJob(job: Job): DerivedJob {
  return {
    jobId: job.id, state: job.state, studyInstanceUid: job.studyInstanceUid,
    seriesInstanceUid: job.derivedSeriesInstanceUid, sopInstanceUid: job.derivedSopInstanceUid, sourceSopInstanceUid: job.sopInstanceUid,
    modelId: job.modelId, modelVersion: job.modelVersion,
    guard: { clippedFraction: job.guardClippedFraction, maxChange: job.guardMaxChange, flagged: job.guardFlagged },
    held: job.held === true, guardOverride: job.guardOverride,
    timingsMs: job.timingsJson ? (JSON.parse(job.timingsJson) as Record<string, number>) : null,
    createdAt: job.createdAt.toISOString(), finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}
