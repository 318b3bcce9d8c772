// Retention: the node keeps received and derived files only as long as it may need them, so a
// busy site's disk does not fill. The originals and the derived series live in the PACS; here
// they are working copies.
//   - A received file is deleted once it is older than the retention period AND no job can
//     need it again: the instance was skipped, or every job of it was exported (and not held by
//     the guard, since a person may still send a held image, which re-processes it). Files of
//     queued, failing or dead jobs stay, so a retry always finds its input.
//   - A derived file is deleted once it is older than the retention period: a retry derives it
//     again, byte-identical, from the received file.
// Database rows stay (with Instance.purgedAt): the record of what was received and sent is kept.
import { readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '../db/index.js';
import type { Logger } from './logger.js';

export interface RetentionOptions {
  readonly db: Database;
  /** The received-file store (its instances/ folder holds <study>/<sop>.dcm). */
  readonly storeDir: string;
  readonly derivedDir: string;
  readonly retentionDays: number;
  readonly now?: () => Date;
  readonly log?: Logger;
}

export interface PurgeReport {
  readonly receivedFiles: number;
  readonly derivedFiles: number;
  readonly bytes: number;
}

const DAY_MS = 86_400_000;

export async function purgeExpired(o: RetentionOptions): Promise<PurgeReport> {
  const cutoff = new Date((o.now?.() ?? new Date()).getTime() - o.retentionDays * DAY_MS);
  const received = await purgeReceived(o.db, cutoff);
  const derived = await purgeOlderFiles(o.derivedDir, cutoff);
  await removeEmptyDirs(join(o.storeDir, 'instances'));
  const report = { receivedFiles: received.files, derivedFiles: derived.files, bytes: received.bytes + derived.bytes };
  if (report.receivedFiles + report.derivedFiles > 0) o.log?.info({ ...report, cutoff: cutoff.toISOString() }, 'retention: files deleted');
  return report;
}

async function purgeReceived(db: Database, cutoff: Date): Promise<{ files: number; bytes: number }> {
  const done = { state: 'exported', NOT: { held: true } };
  const rows = await db.instance.findMany({
    where: {
      purgedAt: null, receivedAt: { lt: cutoff },
      OR: [{ status: 'skipped' }, { status: 'selected', jobs: { some: {}, every: done } }],
    },
    select: { id: true, path: true, sizeBytes: true },
    take: 10_000,
  });
  let files = 0;
  let bytes = 0;
  for (const row of rows) {
    if (await removeFile(row.path)) {
      files++;
      bytes += row.sizeBytes;
    }
    // One raw statement (no updateMany: see database.ts on implicit transactions), and only if
    // nobody re-sent the instance meanwhile (a re-send resets purgedAt and may change the path).
    await db.$executeRaw`UPDATE "Instance" SET "purgedAt" = ${new Date()} WHERE "id" = ${row.id} AND "path" = ${row.path} AND "purgedAt" IS NULL`;
  }
  return { files, bytes };
}

/** Files under `dir/<sub>/` last modified before `cutoff`; empty sub-folders go too. */
async function purgeOlderFiles(dir: string, cutoff: Date): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const sub of await entries(dir)) {
    const subDir = join(dir, sub);
    for (const name of await entries(subDir)) {
      const path = join(subDir, name);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile() || info.mtime >= cutoff) continue;
      if (await removeFile(path)) {
        files++;
        bytes += info.size;
      }
    }
  }
  await removeEmptyDirs(dir);
  return { files, bytes };
}

async function removeEmptyDirs(dir: string): Promise<void> {
  for (const sub of await entries(dir)) {
    // rmdir fails on a folder that is not empty (or got a file meanwhile): that is the check.
    await rmdir(join(dir, sub)).catch(() => {});
  }
}

async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

async function removeFile(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Runs the sweep now and then every `intervalMs`; returns a stop function. */
export function scheduleRetention(o: RetentionOptions, intervalMs = 3_600_000): () => void {
  const run = (): void => {
    purgeExpired(o).catch((err) => o.log?.error({ err }, 'retention sweep failed'));
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
