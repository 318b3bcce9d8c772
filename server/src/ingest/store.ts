// What happens once a C-STORE data set has been received into its temporary file: the file is
// already fsync'ed; check the scan and the header against the command, rename the file into
// the store, fsync the directory, record it with the sink, and only then report success. Any
// failure maps to the status the sender should see; none escapes as an exception.

import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { TransferSyntax } from '../pipeline/decode/syntaxes.js';
import { InstanceRejected, STATUS, checkedHeader } from './header.js';
import type { IngestLogger } from './logger.js';
import { ACCEPTED_STORAGE_SOP_CLASSES } from './negotiation.js';
import type { InstanceSpool } from './spool.js';
import type { IngestSink, StoredInstance } from './types.js';

export interface StoreLayout {
  readonly tmpDir: string;
  readonly instancesDir: string;
}

export function storeLayout(storeDir: string): StoreLayout {
  return { tmpDir: join(storeDir, 'tmp'), instancesDir: join(storeDir, 'instances') };
}

/** Create the store's folders and delete temporary files a crash left (never acknowledged). */
export async function prepareStore(layout: StoreLayout): Promise<number> {
  await mkdir(layout.tmpDir, { recursive: true });
  await mkdir(layout.instancesDir, { recursive: true });
  const stale = (await readdir(layout.tmpDir)).filter((n) => n.endsWith('.part'));
  await Promise.all(stale.map((n) => unlink(join(layout.tmpDir, n)).catch(() => undefined)));
  return stale.length;
}

/** One data set received into a temporary file, with what the C-STORE command said. */
export interface ReceivedDataSet {
  readonly spool: InstanceSpool;
  readonly tmpPath: string;
  readonly syntax: TransferSyntax;
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly callingAeTitle: string;
  readonly associationId: string;
}

export interface StoreOutcome {
  readonly status: number;
  /** For the C-STORE response's Error Comment (LO, at most 64 characters). */
  readonly comment?: string;
}

export interface StoreDeps {
  readonly layout: StoreLayout;
  readonly sink: IngestSink;
  readonly logger: IngestLogger;
}

export async function completeStore(deps: StoreDeps, rx: ReceivedDataSet): Promise<StoreOutcome> {
  const fields = { associationId: rx.associationId, callingAeTitle: rx.callingAeTitle, sopInstanceUid: rx.sopInstanceUid };
  let stored: StoredInstance;
  try {
    stored = await storeFile(deps.layout, rx);
  } catch (err) {
    await unlink(rx.tmpPath).catch(() => undefined);
    const outcome = failureOutcome(err);
    const log = err instanceof InstanceRejected ? deps.logger.warn : deps.logger.error;
    log.call(deps.logger, { ...fields, status: hex(outcome.status), reason: (err as Error).message }, 'C-STORE refused');
    return outcome;
  }
  try {
    const result = await deps.sink.record(stored);
    deps.logger.info({ ...fields, status: hex(STATUS.Success), outcome: result.kind, sizeBytes: stored.sizeBytes }, 'C-STORE stored');
    return { status: STATUS.Success };
  } catch (err) {
    // The file stays: a re-send replaces it and the sink de-duplicates.
    deps.logger.error({ ...fields, status: hex(STATUS.OutOfResources), reason: (err as Error).message }, 'C-STORE not recorded');
    return { status: STATUS.OutOfResources, comment: 'could not record the instance; retry later' };
  }
}

/** Wait for the durable temp file, check it, move it into the store. Throws on any failure. */
async function storeFile(layout: StoreLayout, rx: ReceivedDataSet): Promise<StoredInstance> {
  const spooled = await rx.spool.result;
  if (!spooled.ok) throw new InstanceRejected(STATUS.CannotUnderstand, spooled.reason);
  const header = checkedHeader(
    spooled.scan,
    {
      sopClassUid: rx.sopClassUid,
      sopInstanceUid: rx.sopInstanceUid,
      transferSyntaxUid: rx.syntax.uid,
      encapsulated: rx.syntax.codec !== undefined,
      acceptedSopClasses: ACCEPTED_STORAGE_SOP_CLASSES,
    },
    rx.syntax.littleEndian,
  );
  const studyDir = join(layout.instancesDir, header.studyInstanceUid);
  const path = join(studyDir, `${header.sopInstanceUid}.dcm`);
  await moveIntoStore(layout, rx.tmpPath, studyDir, path);
  return {
    ...header,
    path,
    sizeBytes: spooled.sizeBytes,
    callingAeTitle: rx.callingAeTitle,
    associationId: rx.associationId,
    receivedAt: new Date(),
  };
}

/**
 * Rename (atomic; replaces an earlier copy of the same instance) and fsync the folder. The
 * rename is tried first: the study folder usually exists, and a mkdir per instance costs.
 */
async function moveIntoStore(layout: StoreLayout, tmpPath: string, studyDir: string, path: string): Promise<void> {
  try {
    await rename(tmpPath, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const created = await mkdir(studyDir, { recursive: true });
    // A new study folder is only durable once its parent's entry is.
    if (created) await fsyncDirectory(layout.instancesDir);
    await rename(tmpPath, path);
  }
  await fsyncDirectory(studyDir);
}

function failureOutcome(err: unknown): StoreOutcome {
  if (err instanceof InstanceRejected) return { status: err.status, comment: err.message.slice(0, 64) };
  // Disk full, I/O error, a vanished folder: nothing the sender did wrong, so let it retry.
  return { status: STATUS.OutOfResources, comment: 'storage error; retry later' };
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function hex(status: number): string {
  return `0x${status.toString(16).toUpperCase().padStart(4, '0')}`;
}
