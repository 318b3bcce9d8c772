// "Would this stored instance be processed, and why": a rule set (the current one, or one being
// edited and not saved) evaluated on the header facts recorded when the instance was received.
// The answer names the rule or the reason, and what each rule found; no patient data.
import type { Instance } from '@prisma/client';
import type { Database } from '../db/index.js';
import { HttpError } from '../http/errors.js';
import { explainSelection, type Explanation, type RuleSet, type RuleSubject } from '../rules/index.js';

export interface RuleTestResult extends Explanation {
  readonly instance: {
    readonly id: string;
    readonly sopInstanceUid: string;
    readonly sopClassUid: string;
    readonly modality: string | null;
    readonly bodyPartExamined: string | null;
    readonly viewPosition: string | null;
    readonly seriesDescription: string | null;
    readonly receivedAt: string;
    /** What the rules in force at receipt decided. */
    readonly recorded: { readonly status: string; readonly skipReason: string | null };
  };
}

export type InstanceRef = { readonly instanceId: string } | { readonly sopInstanceUid: string };

export async function findInstance(db: Database, ref: InstanceRef): Promise<Instance> {
  const row = 'instanceId' in ref
    ? await db.instance.findUnique({ where: { id: ref.instanceId } })
    : await db.instance.findUnique({ where: { sopInstanceUid: ref.sopInstanceUid.trim() } });
  if (!row) {
    throw new HttpError(404, 'instanceId' in ref ? `no stored instance with id ${ref.instanceId}` : `no stored instance with SOP Instance UID ${ref.sopInstanceUid}`);
  }
  return row;
}

export async function testRules(db: Database, rules: RuleSet, ref: InstanceRef): Promise<RuleTestResult> {
  const row = await findInstance(db, ref);
  return { ...explainSelection(rules, subjectOf(row)), instance: instanceFacts(row) };
}

/** The same fields the ingest path gives selectInstance (absent values as absent). */
export function subjectOf(row: Instance): RuleSubject {
  return {
    sopClassUid: row.sopClassUid,
    ...(row.modality !== null ? { modality: row.modality } : {}),
    ...(row.bodyPartExamined !== null ? { bodyPartExamined: row.bodyPartExamined } : {}),
    ...(row.viewPosition !== null ? { viewPosition: row.viewPosition } : {}),
    ...(row.seriesDescription !== null ? { seriesDescription: row.seriesDescription } : {}),
  };
}

function instanceFacts(row: Instance): RuleTestResult['instance'] {
  return {
    id: row.id, sopInstanceUid: row.sopInstanceUid, sopClassUid: row.sopClassUid, modality: row.modality,
    bodyPartExamined: row.bodyPartExamined, viewPosition: row.viewPosition, seriesDescription: row.seriesDescription,
    receivedAt: row.receivedAt.toISOString(), recorded: { status: row.status, skipReason: row.skipReason },
  };
}
