// The A-ASSOCIATE-RQ answer, applied to dcmjs-dimse's Association: the pure decisions of
// negotiation.ts turned into reject reasons and per-context results.

import { dimse, type Association } from './dimse.js';
import { decideAeTitles, decideContext } from './negotiation.js';

const { PresentationContextResult, RejectResult, RejectSource, RejectReason } = dimse.constants;

export interface AssociationPolicy {
  readonly aeTitle: string;
  readonly allowedCallingAeTitles?: readonly string[];
  /** The node is shutting down: refuse, transiently, so the sender retries later. */
  readonly closing: boolean;
  /** As many associations as allowed are open: refuse, transiently (local limit exceeded). */
  readonly atLimit?: boolean;
}

export type AssociationVerdict =
  | { readonly accept: true; readonly proposed: number; readonly accepted: number }
  | { readonly accept: false; readonly result: number; readonly source: number; readonly reason: number; readonly why: string };

/** Decide on an association request; when accepting, sets every presentation context's result. */
export function negotiateAssociation(a: Association, policy: AssociationPolicy): AssociationVerdict {
  if (policy.closing) {
    return { accept: false, result: RejectResult.Transient, source: RejectSource.ServiceProviderPresentation, reason: RejectReason.TemporaryCongestion, why: 'shutting down' };
  }
  if (policy.atLimit) {
    return { accept: false, result: RejectResult.Transient, source: RejectSource.ServiceProviderPresentation, reason: RejectReason.LocalLimitExceeded, why: 'too many associations' };
  }
  const ae = decideAeTitles(a.getCalledAeTitle(), a.getCallingAeTitle(), policy.aeTitle, policy.allowedCallingAeTitles);
  if (!ae.accept) {
    const reason = ae.reason === 'calling-ae' ? RejectReason.CallingAeNotRecognized : RejectReason.CalledAeNotRecognized;
    return { accept: false, result: RejectResult.Permanent, source: RejectSource.ServiceUser, reason, why: `${ae.reason} title not recognized` };
  }
  const contexts = a.getPresentationContexts();
  let accepted = 0;
  for (const { context } of contexts) {
    const decision = decideContext(context.getAbstractSyntaxUid(), context.getTransferSyntaxUids());
    if (decision.result === 'accept') {
      context.setResult(PresentationContextResult.Accept, decision.transferSyntaxUid);
      accepted++;
    } else if (decision.result === 'reject-abstract-syntax') {
      context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
    } else {
      context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
    }
  }
  return { accept: true, proposed: contexts.length, accepted };
}
