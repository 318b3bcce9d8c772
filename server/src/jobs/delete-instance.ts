// Deleting one received instance for good (admin): its rows (deliveries, jobs, the instance)
// one statement at a time (database.ts: no deleteMany, no transactions), then its files: the
// received file, every job's derived file, and a Secondary Capture rendering if a destination
// needed one (its path is not recorded; it sits beside the others and names the source).
//
// Rows first, each job's DELETE guarded by "not processing": a worker holding a job would
// write its derived file after we looked, so that case is refused (409) instead of racing.
// Reader feedback stays (its job link becomes null): it is about a model, not the patient.
import { open, readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Database } from '../db/index.js';
import { conflict, notFound } from '../http/errors.js';

export interface DeleteInstanceDeps {
  readonly db: Database;
  /** The node's derived folder (<dataDir>/derived): derived files are <dir>/<study>/<sop>.dcm. */
  readonly derivedDir: string;
}

export interface DeletedInstance {
  readonly instanceId: string;
  readonly sopInstanceUid: string;
  readonly studyInstanceUid: string;
  readonly jobs: number;
  readonly deliveries: number;
  readonly files: number;
  readonly bytes: number;
}

export async function deleteInstance(deps: DeleteInstanceDeps, id: string): Promise<DeletedInstance> {
  const { db } = deps;
  const instance = await db.instance.findUnique({ where: { id }, include: { jobs: { include: { deliveries: { select: { id: true } } } } } });
  if (!instance) throw notFound(`no instance ${id}`);
  const busy = instance.jobs.find((j) => j.state === 'processing');
  if (busy) throw conflict(`job ${busy.id} of this instance is being processed: delete it once the job has finished`);
  let deliveries = 0;
  for (const job of instance.jobs) {
    for (const d of job.deliveries) deliveries += await db.$executeRaw`DELETE FROM "Delivery" WHERE "id" = ${d.id}`;
    const gone = await db.$executeRaw`DELETE FROM "Job" WHERE "id" = ${job.id} AND "state" <> 'processing'`;
    if (gone === 0) throw conflict(`job ${job.id} of this instance started processing meanwhile: try again once it has finished`);
  }
  await db.$executeRaw`DELETE FROM "Instance" WHERE "id" = ${id}`;
  const derived = instance.jobs.flatMap((j) => (j.derivedPath ? [j.derivedPath] : []));
  const renderings = await renderingsOf(join(deps.derivedDir, instance.studyInstanceUid), instance.sopInstanceUid, derived);
  const removed = await removeFiles([instance.path, ...derived, ...renderings]);
  await removeIfEmpty([dirname(instance.path), ...new Set([...derived, ...renderings].map((p) => dirname(p)))]);
  return { instanceId: id, sopInstanceUid: instance.sopInstanceUid, studyInstanceUid: instance.studyInstanceUid, jobs: instance.jobs.length, deliveries, ...removed };
}

/** Header bytes read per derived file when looking for the source's UID (the header is a few kB). */
const HEADER_BYTES = 256 * 1024;

/**
 * Other derived files in the study folder that reference the source SOP Instance UID (a
 * Secondary Capture rendering's Source Image Sequence does). A UID value is padded with NUL to
 * even length, so "<uid>\0" or the UID followed by a non-UID byte cannot match a longer UID.
 */
async function renderingsOf(studyDir: string, sopInstanceUid: string, known: readonly string[]): Promise<string[]> {
  const names = await readdir(studyDir).catch(() => [] as string[]);
  const out: string[] = [];
  const needle = Buffer.from(sopInstanceUid, 'latin1');
  for (const name of names.filter((n) => n.endsWith('.dcm'))) {
    const path = join(studyDir, name);
    if (known.includes(path)) continue;
    if (referencesUid(await head(path), needle)) out.push(path);
  }
  return out;
}

function referencesUid(bytes: Buffer, uid: Buffer): boolean {
  for (let at = bytes.indexOf(uid); at >= 0; at = bytes.indexOf(uid, at + 1)) {
    const next = bytes[at + uid.length];
    const prev = at > 0 ? bytes[at - 1] : undefined;
    const uidByte = (b: number | undefined) => b !== undefined && ((b >= 0x30 && b <= 0x39) || b === 0x2e);
    if (!uidByte(next) && !uidByte(prev)) return true;
  }
  return false;
}

async function head(path: string): Promise<Buffer> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return Buffer.alloc(0);
  try {
    const buf = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEADER_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function removeFiles(paths: readonly string[]): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const path of new Set(paths)) {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) continue; // already purged by retention
    await unlink(path);
    files++;
    bytes += info.size;
  }
  return { files, bytes };
}

async function removeIfEmpty(dirs: readonly string[]): Promise<void> {
  for (const dir of new Set(dirs)) await rmdir(dir).catch(() => undefined); // ENOTEMPTY: other instances of the study
}
