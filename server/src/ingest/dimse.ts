// dcmjs-dimse, loaded once with require() (see pipeline/decode/dcmjs.ts for why), with the
// types of the pieces the listener uses.

import { createRequire } from 'node:module';
import type * as DcmjsDimse from 'dcmjs-dimse';

const require = createRequire(import.meta.url);

export const dimse = require('dcmjs-dimse') as typeof DcmjsDimse;

export type Association = DcmjsDimse.association.Association;
export type PresentationContext = DcmjsDimse.association.PresentationContext;
export type CEchoRequest = DcmjsDimse.requests.CEchoRequest;
export type CEchoResponse = DcmjsDimse.responses.CEchoResponse;
export type CStoreRequest = DcmjsDimse.requests.CStoreRequest;
export type CStoreResponse = DcmjsDimse.responses.CStoreResponse;

/**
 * dcmjs-dimse logs every association and command to the console through its own loglevel
 * logger (all levels on by default). The node logs structurally instead, and the library's
 * errors reach us as 'networkError' events, so its console output is switched off.
 */
export function silenceDimseConsole(): void {
  dimse.log.setLevel('silent', false);
}

/**
 * Run `fn` with our implementation identity (and, if given, receive limit) in force:
 * dcmjs-dimse reads them from process-wide statics when it builds an A-ASSOCIATE-RQ or -AC.
 * Synchronous, so no other association (SCP or SCU) can observe the swap. Also used by
 * export/dimse.ts for the SCU side.
 */
export function withImplementation<T>(identity: { classUid: string; versionName: string; maxPduLength?: number }, fn: () => T): T {
  const { Implementation } = dimse;
  const saved = {
    classUid: Implementation.getImplementationClassUid(),
    versionName: Implementation.getImplementationVersion(),
    maxPduLength: Implementation.getMaxPduLength(),
  };
  Implementation.setImplementationClassUid(identity.classUid);
  Implementation.setImplementationVersion(identity.versionName);
  if (identity.maxPduLength !== undefined) Implementation.setMaxPduLength(identity.maxPduLength);
  try {
    return fn();
  } finally {
    Implementation.setImplementationClassUid(saved.classUid);
    Implementation.setImplementationVersion(saved.versionName);
    Implementation.setMaxPduLength(saved.maxPduLength);
  }
}
