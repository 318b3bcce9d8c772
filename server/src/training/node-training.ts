// The node's training manager as main.ts wires it: run folders under <dataDir>/training, the
// repository's training/ module and presets, one trainer thread unless SHARPXR_TRAINING_THREADS
// says otherwise, and the registry for "register as model". Opening it recovers what a killed
// node left (see manager.ts) before the first request.
import { join } from 'node:path';
import { repoRoot } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { Logger } from '../node/logger.js';
import { systemAudit, type ModelRegistry } from '../registry/index.js';
import { TrainingManager } from './manager.js';

export function startNodeTraining(o: { dataDir: string; db: Database; registry: ModelRegistry; log: Logger }): Promise<TrainingManager> {
  const threads = Number(process.env.SHARPXR_TRAINING_THREADS ?? 1);
  return TrainingManager.open({
    db: o.db, log: o.log.child({ component: 'training' }), runsDir: join(o.dataDir, 'training'), root: repoRoot(),
    threads: Number.isInteger(threads) && threads > 0 ? threads : 1, registry: o.registry, systemAudit: systemAudit(o.db, 'system'),
  });
}
