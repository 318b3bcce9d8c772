// Reading feedback back: newest first, with a per-model-version tally of accepts and rejects,
// for GET /api/feedback and `sharpxr feedback`. The tally covers everything that matches the
// filter, not only the page of items returned.
import type { Prisma } from '@prisma/client';
import type { Database } from '../db/index.js';
import { toRecord, type FeedbackRecord } from './feedback.js';

export interface FeedbackFilter {
  readonly modelId?: string | undefined;
  readonly modelVersion?: string | undefined;
  readonly since?: Date | undefined;
  /** Items returned (the summary counts all). Default 100, at most 1000. */
  readonly limit?: number | undefined;
}

export interface Tally {
  accept: number;
  reject: number;
}

export interface FeedbackSummary {
  readonly total: number;
  readonly accept: number;
  readonly reject: number;
  /** "<modelId>@<modelVersion>" -> its tally. */
  readonly byVersion: Record<string, Tally>;
}

export interface FeedbackList {
  readonly items: FeedbackRecord[];
  readonly summary: FeedbackSummary;
}

/** "sharpxr-product@1.2.0" -> { modelId, modelVersion }; "sharpxr-product" -> { modelId }. */
export function parseModelFilter(value: string): { modelId: string; modelVersion?: string } {
  const at = value.indexOf('@');
  if (at === -1) return { modelId: value };
  return { modelId: value.slice(0, at), modelVersion: value.slice(at + 1) };
}

export async function listFeedback(db: Database, filter: FeedbackFilter = {}): Promise<FeedbackList> {
  const where: Prisma.FeedbackWhereInput = {
    modelId: filter.modelId, modelVersion: filter.modelVersion, ...(filter.since ? { at: { gte: filter.since } } : {}),
  };
  const rows = await db.feedback.findMany({
    where, orderBy: [{ at: 'desc' }, { id: 'desc' }], take: Math.min(Math.max(filter.limit ?? 100, 1), 1000),
  });
  const groups = await db.feedback.groupBy({ by: ['modelId', 'modelVersion', 'verdict'], where, _count: { _all: true } });
  return { items: rows.map(toRecord), summary: summarize(groups.map((g) => ({ ...g, count: g._count._all }))) };
}

function summarize(groups: readonly { modelId: string; modelVersion: string; verdict: string; count: number }[]): FeedbackSummary {
  const byVersion: Record<string, Tally> = {};
  const all: Tally = { accept: 0, reject: 0 };
  for (const g of groups) {
    if (g.verdict !== 'accept' && g.verdict !== 'reject') continue;
    const key = `${g.modelId}@${g.modelVersion}`;
    const tally = (byVersion[key] ??= { accept: 0, reject: 0 });
    tally[g.verdict] += g.count;
    all[g.verdict] += g.count;
  }
  return { total: all.accept + all.reject, ...all, byVersion };
}
