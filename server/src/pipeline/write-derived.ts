// Writing a derived object so that a crash never leaves a partial file under its final name:
// temporary file in the same folder, fsync, rename, fsync of the folder (the rename itself is
// only durable once the directory entry is). The exporter may pick a file up at any moment.

import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { DerivedObject } from '../derive/index.js';

// Digits and dots only: the UIDs come from received files, and become path components.
const SAFE_UID = /^[0-9]+(\.[0-9]+)*$/;

/** Write to `<dir>/<StudyInstanceUID>/<SOPInstanceUID>.dcm` atomically; returns the path. */
export async function writeDerived(dir: string, derived: Pick<DerivedObject, 'bytes' | 'studyInstanceUid' | 'sopInstanceUid'>): Promise<string> {
  for (const uid of [derived.studyInstanceUid, derived.sopInstanceUid]) {
    if (!SAFE_UID.test(uid) || uid.length > 64) throw new Error(`cannot use "${uid}" as a file name: not a DICOM UID`);
  }
  const studyDir = join(dir, derived.studyInstanceUid);
  const created = await mkdir(studyDir, { recursive: true });
  if (created !== undefined) await fsyncDir(dir);
  const path = join(studyDir, `${derived.sopInstanceUid}.dcm`);
  await writeFileAtomic(path, derived.bytes);
  return path;
}

/** Replace `path` with `bytes` atomically (same-folder temporary file, fsync, rename, fsync). */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dir);
}

async function fsyncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (err) {
    // Some platforms cannot open or fsync a directory; the data itself is synced.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw err;
  } finally {
    await fh?.close();
  }
}
