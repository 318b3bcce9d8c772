// Received instances. One row per SOP Instance UID: a re-send updates the row (latest file,
// latest selection) and counts the receipt, it never adds a second row.
import type { Instance } from '@prisma/client';
import type { StoredInstance } from '../ingest/types.js';
import type { Database } from './database.js';

export type Selection = { readonly selected: true } | { readonly selected: false; readonly reason: string };

/** Header facts and where the file is; no patient name or ID (they stay in the file). */
function instanceFields(instance: StoredInstance, selection: Selection) {
  return {
    sopClassUid: instance.sopClassUid,
    transferSyntaxUid: instance.transferSyntaxUid,
    studyInstanceUid: instance.studyInstanceUid,
    seriesInstanceUid: instance.seriesInstanceUid,
    modality: instance.modality ?? null,
    bodyPartExamined: instance.bodyPartExamined ?? null,
    viewPosition: instance.viewPosition ?? null,
    seriesDescription: instance.seriesDescription ?? null,
    path: instance.path,
    sizeBytes: instance.sizeBytes,
    callingAeTitle: instance.callingAeTitle,
    associationId: instance.associationId,
    receivedAt: instance.receivedAt,
    status: selection.selected ? 'selected' : 'skipped',
    skipReason: selection.selected ? null : selection.reason,
  };
}

/**
 * Inserts or updates the instance by SOP Instance UID in one statement (a native
 * INSERT … ON CONFLICT DO UPDATE). A re-send replaces the file facts and the selection
 * (the rules may have changed) and increments receiveCount.
 */
export async function recordInstance(db: Database, instance: StoredInstance, selection: Selection): Promise<Instance> {
  const fields = instanceFields(instance, selection);
  return db.instance.upsert({
    where: { sopInstanceUid: instance.sopInstanceUid },
    create: { sopInstanceUid: instance.sopInstanceUid, receiveCount: 1, ...fields },
    update: { receiveCount: { increment: 1 }, ...fields },
  });
}

/** Path of an instance's received file (the worker's `instancePath`). */
export async function instancePath(db: Database, instanceId: string): Promise<string> {
  const row = await db.instance.findUnique({ where: { id: instanceId }, select: { path: true } });
  if (!row) throw new Error(`no instance ${instanceId}`);
  return row.path;
}

export async function findInstance(db: Database, sopInstanceUid: string): Promise<Instance | null> {
  return db.instance.findUnique({ where: { sopInstanceUid } });
}
