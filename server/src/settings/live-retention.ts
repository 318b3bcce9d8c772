// The retention sweep (node/retention.ts) with a period the console can change: each run reads
// the current retentionDays (0 = keep forever: no sweep), and a change runs one soon, so
// shortening the period frees the disk without waiting for the next hourly run.
import { purgeExpired } from '../node/retention.js';
import type { Database } from '../db/index.js';
import type { Logger } from '../node/logger.js';
import type { RuntimeSettings } from './runtime-settings.js';

export interface LiveRetentionOptions {
  readonly db: Database;
  readonly storeDir: string;
  readonly derivedDir: string;
  readonly settings: RuntimeSettings;
  readonly log: Logger;
  readonly intervalMs?: number;
}

/** Starts sweeping; returns a stop function. */
export function scheduleLiveRetention(o: LiveRetentionOptions): () => void {
  let running: Promise<void> | null = null;
  const run = (): void => {
    const retentionDays = o.settings.retentionDays();
    if (retentionDays <= 0 || running) return;
    running = purgeExpired({ db: o.db, storeDir: o.storeDir, derivedDir: o.derivedDir, retentionDays, log: o.log })
      .then(() => {}, (err) => o.log.error({ err }, 'retention sweep failed'))
      .finally(() => { running = null; });
  };
  run();
  const timer = setInterval(run, o.intervalMs ?? 3_600_000);
  timer.unref();
  const unsubscribe = o.settings.onChange((change) => {
    if (change.kind === 'settings' && change.ids.includes('retentionDays')) setTimeout(run, 1_000).unref();
  });
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}
