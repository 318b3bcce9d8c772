// The start of a C-STORE data set: check the command against its presentation context, then
// open the temporary Part 10 file it streams into. A refused command still has its data set
// read (and dropped), because the sender sends it regardless; it is answered at the end.

import type { Socket } from 'node:net';
import { transferSyntax } from '../pipeline/decode/syntaxes.js';
import { dimse, type CStoreRequest, type PresentationContext } from './dimse.js';
import { STATUS, WANTED_TAGS, isSafeUid } from './header.js';
import { fileMetaHeader } from './meta.js';
import { ACCEPTED_STORAGE_SOP_CLASSES } from './negotiation.js';
import { InstanceSpool } from './spool.js';
import type { ReceivedDataSet, StoreOutcome } from './store.js';

export interface ReceiveSettings {
  readonly writeBufferBytes: number;
  readonly maxInflatedBytes: number;
  tempPath(associationId: string): string;
}

export interface ReceivingConnection {
  readonly associationId: string;
  readonly callingAeTitle: string;
  readonly socket: Socket;
}

export type Reception = { readonly kind: 'spool'; readonly rx: ReceivedDataSet } | { readonly kind: 'refused'; readonly outcome: StoreOutcome };

export function startReception(settings: ReceiveSettings, assoc: ReceivingConnection, pc: PresentationContext, request: CStoreRequest): Reception {
  const sopClassUid = (request.getAffectedSopClassUid() ?? '').trim();
  const sopInstanceUid = (request.getAffectedSopInstanceUid() ?? '').trim();
  const ts = pc.getAcceptedTransferSyntaxUid();
  const refused = (status: number, comment: string): Reception => ({ kind: 'refused', outcome: { status, comment } });
  if (pc.getResult() !== dimse.constants.PresentationContextResult.Accept || !ts || !ACCEPTED_STORAGE_SOP_CLASSES.has(pc.getAbstractSyntaxUid())) {
    return refused(STATUS.SopClassNotSupported, 'no accepted storage context');
  }
  if (sopClassUid !== pc.getAbstractSyntaxUid()) return refused(STATUS.SopClassNotSupported, 'SOP class differs from the presentation context');
  if (!isSafeUid(sopInstanceUid)) return refused(STATUS.CannotUnderstand, 'Affected SOP Instance UID is not a UID');
  const syntax = transferSyntax(ts);
  const tmpPath = settings.tempPath(assoc.associationId);
  const spool = new InstanceSpool({
    path: tmpPath,
    meta: fileMetaHeader({ sopClassUid, sopInstanceUid, transferSyntaxUid: syntax.uid, sourceAeTitle: assoc.callingAeTitle }),
    encoding: syntax,
    wantedTags: WANTED_TAGS,
    highWaterMark: settings.writeBufferBytes,
    maxInflatedBytes: settings.maxInflatedBytes,
    // dcmjs-dimse never waits for the file: pausing the socket is the only backpressure.
    onPressure: (paused) => (paused ? assoc.socket.pause() : assoc.socket.resume()),
  });
  const rx: ReceivedDataSet = { spool, tmpPath, syntax, sopClassUid, sopInstanceUid, callingAeTitle: assoc.callingAeTitle, associationId: assoc.associationId };
  return { kind: 'spool', rx };
}
