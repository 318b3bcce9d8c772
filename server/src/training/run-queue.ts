// The training queue is the TrainingRun rows in state 'queued', oldest first. Claiming is a
// conditional update, so a run cancelled between the read and the claim is never started.
import type { TrainingRun } from '@prisma/client';
import type { Database } from '../db/index.js';

const OLDEST_FIRST = [{ createdAt: 'asc' as const }, { id: 'asc' as const }];

/** Ids of the queued runs in the order they will run. */
export async function queueOrder(db: Database): Promise<string[]> {
  const rows = await db.trainingRun.findMany({ where: { state: 'queued' }, orderBy: OLDEST_FIRST, select: { id: true } });
  return rows.map((r) => r.id);
}

/** Marks the oldest queued run 'running' and returns it; null when the queue is empty. */
export async function claimNextQueued(db: Database, stop: () => boolean): Promise<TrainingRun | null> {
  for (;;) {
    const next = await db.trainingRun.findFirst({ where: { state: 'queued' }, orderBy: OLDEST_FIRST });
    if (!next || stop()) return null;
    const claimed = await db.trainingRun.updateMany({
      where: { id: next.id, state: 'queued' },
      data: { state: 'running', startedAt: next.startedAt ?? new Date(), error: null, updatedAt: new Date() },
    });
    if (claimed.count === 0) continue; // cancelled meanwhile
    return db.trainingRun.findUnique({ where: { id: next.id } });
  }
}
