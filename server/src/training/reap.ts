// A trainer left behind by a node that was killed (kill -9, power cut): its row still says
// 'running' with the Python process id. If that process is still ours (its command line names
// the run's folder), it is stopped the gentle way first, so it saves a checkpoint, before the
// run is resumed: two trainers must never write one run folder.
import { readFileSync } from 'node:fs';
import type { Logger } from '../node/logger.js';
import { isTrainerOf } from './python.js';

export async function reapTrainer(pid: number | null, runDir: string, log: Logger, graceMs = 60_000): Promise<void> {
  if (!pid || !isTrainerOf(pid, runDir)) return;
  log.warn({ pid, runDir }, 'training: a trainer of the previous node is still running; stopping it (checkpoint first)');
  signal(pid, 'SIGTERM');
  const end = Date.now() + graceMs;
  while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) signal(pid, 'SIGKILL');
  while (alive(pid)) await new Promise((r) => setTimeout(r, 50));
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie (exited, not yet reaped by its parent) answers signal 0 but trains no more.
    return !/^\d+ \(.*\) Z/.test(readStat(pid));
  } catch {
    return false;
  }
}

function readStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return '';
  }
}
