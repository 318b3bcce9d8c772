// Association negotiation as pure decisions, so the rules can be read and tested apart from
// the network: which AE titles may connect, which presentation contexts are accepted, and in
// which transfer syntax. We store what the sender sends (no transcoding), so any syntax our
// decoder reads is accepted as proposed.

import { UID, supportedTransferSyntaxes } from '../pipeline/decode/syntaxes.js';

export const VERIFICATION_SOP_CLASS = '1.2.840.10008.1.1';

/** The image storage SOP classes a chest radiograph arrives in. */
export const ACCEPTED_STORAGE_SOP_CLASSES: ReadonlySet<string> = new Set([
  '1.2.840.10008.5.1.4.1.1.1', // Computed Radiography Image Storage
  '1.2.840.10008.5.1.4.1.1.1.1', // Digital X-Ray Image Storage - For Presentation
  '1.2.840.10008.5.1.4.1.1.1.1.1', // Digital X-Ray Image Storage - For Processing
]);

const STORAGE_SYNTAXES: ReadonlySet<string> = new Set(supportedTransferSyntaxes().map((s) => s.uid));
// Verification has no data set: the two syntaxes every DICOM node must speak are enough.
const VERIFICATION_SYNTAXES: ReadonlySet<string> = new Set([UID.ImplicitVRLittleEndian, UID.ExplicitVRLittleEndian]);

export type ContextDecision =
  | { readonly result: 'accept'; readonly transferSyntaxUid: string }
  | { readonly result: 'reject-abstract-syntax' }
  | { readonly result: 'reject-transfer-syntaxes' };

/**
 * The decision for one proposed presentation context: the first proposed syntax we support
 * (the sender's order is its preference), else a rejection naming why.
 */
export function decideContext(abstractSyntaxUid: string, proposedSyntaxes: readonly string[]): ContextDecision {
  const supported =
    abstractSyntaxUid === VERIFICATION_SOP_CLASS
      ? VERIFICATION_SYNTAXES
      : ACCEPTED_STORAGE_SOP_CLASSES.has(abstractSyntaxUid)
        ? STORAGE_SYNTAXES
        : null;
  if (!supported) return { result: 'reject-abstract-syntax' };
  const chosen = proposedSyntaxes.map((s) => s.trim()).find((s) => supported.has(s));
  return chosen ? { result: 'accept', transferSyntaxUid: chosen } : { result: 'reject-transfer-syntaxes' };
}

export type AeDecision = { readonly accept: true } | { readonly accept: false; readonly reason: 'calling-ae' | 'called-ae' };

/** AE titles compare without their space padding and, as most nodes do, case-sensitively. */
export function decideAeTitles(
  calledAeTitle: string,
  callingAeTitle: string,
  ourAeTitle: string,
  allowedCallingAeTitles?: readonly string[],
): AeDecision {
  if (calledAeTitle.trim() !== ourAeTitle.trim()) return { accept: false, reason: 'called-ae' };
  if (allowedCallingAeTitles && !allowedCallingAeTitles.some((ae) => ae.trim() === callingAeTitle.trim())) {
    return { accept: false, reason: 'calling-ae' };
  }
  return { accept: true };
}
