// Selection rules: which received instances become denoising jobs.
//
// A rule set is a list of named rules; an instance is selected when any rule matches, and a
// rule matches when all of its conditions hold. A condition left out of a rule does not
// constrain it. Text comparisons ignore case and surrounding spaces.

/** The header fields a rule can test (a subset of ingest's InstanceHeader). */
export interface RuleSubject {
  readonly modality?: string;
  readonly bodyPartExamined?: string;
  readonly viewPosition?: string;
  readonly seriesDescription?: string;
  readonly sopClassUid: string;
}

/** A value list condition; the empty string stands for "absent or empty". */
export type ValueList = readonly string[];

export interface SelectionRule {
  readonly name: string;
  /** Modality (0008,0060) is one of these. */
  readonly modality?: ValueList;
  /** Body Part Examined (0018,0015) is one of these ("" = absent or empty). */
  readonly bodyPartExamined?: ValueList;
  /** View Position (0018,5101) is one of these ("" = absent or empty). */
  readonly viewPosition?: ValueList;
  /** Series Description (0008,103E) matches this pattern, case-insensitively (absent = ""). */
  readonly seriesDescription?: RegExp;
  /** SOP Class UID (0008,0016) is one of these (exact). */
  readonly sopClassUid?: ValueList;
}

export type RuleSet = readonly SelectionRule[];

export type Selection =
  | { readonly selected: true; readonly rule: string }
  | { readonly selected: false; readonly reason: string };

/** A rule set that failed validation; `issues` name each problem with its path. */
export class RulesError extends Error {
  override name = 'RulesError';
  constructor(readonly issues: readonly string[]) {
    super(`invalid selection rules:\n  ${issues.join('\n  ')}`);
  }
}
