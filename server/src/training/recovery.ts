// What a previous node left: rows still 'running' (it was killed, or the power went) become
// 'interrupted' by the node, after any trainer of theirs still alive has saved and stopped.
// Returns every run the node interrupted (those and the ones a graceful stop left), which the
// manager queues again unless told not to.
import type { TrainingRun } from '@prisma/client';
import type { Database } from '../db/index.js';
import type { Logger } from '../node/logger.js';
import type { TrainingAudit } from './manager.js';
import { reapTrainer } from './reap.js';
import { progressOf } from './views.js';

export async function recoverRuns(db: Database, log: Logger, audit: TrainingAudit): Promise<TrainingRun[]> {
  for (const row of await db.trainingRun.findMany({ where: { state: 'running' } })) {
    await reapTrainer(row.pid, row.runDir, log);
    const progress = progressOf(row);
    progress.phase = null;
    progress.interruptedBy = 'node';
    await db.trainingRun.update({
      where: { id: row.id },
      data: { state: 'interrupted', pid: null, resultJson: JSON.stringify(progress), error: `the node stopped during the run (at step ${row.step}); its last checkpoint is kept`, updatedAt: new Date() },
    });
    await audit('training.interrupted', `training:${row.id}`, { name: row.name, step: row.step, reason: 'node restart' });
    log.warn({ run: row.name, step: row.step }, 'training run was running when the node stopped: interrupted');
  }
  const interrupted = await db.trainingRun.findMany({ where: { state: 'interrupted' }, orderBy: { createdAt: 'asc' } });
  return interrupted.filter((row) => progressOf(row).interruptedBy === 'node');
}
