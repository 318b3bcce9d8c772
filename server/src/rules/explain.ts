// "Would this instance be processed, and why": the rule set's decision (selectInstance) plus,
// for every rule, the conditions that did not hold. Only the header values the rules look at
// appear in the text, never patient data.

import { describeSubject, matches, selectInstance } from './select.js';
import type { RuleSet, RuleSubject, SelectionRule, ValueList } from './types.js';

export interface RuleCheck {
  readonly rule: string;
  readonly matched: boolean;
  /** One sentence per failed condition, e.g. `BodyPartExamined is "HAND", the rule wants CHEST`. */
  readonly mismatches: readonly string[];
}

export interface Explanation {
  readonly selected: boolean;
  /** The first rule that matched (the one a job would be queued under). */
  readonly rule: string | null;
  readonly reason: string;
  readonly checks: readonly RuleCheck[];
}

export function explainSelection(rules: RuleSet, subject: RuleSubject): Explanation {
  const selection = selectInstance(rules, subject);
  const checks = rules.map((rule) => ({ rule: rule.name, matched: matches(rule, subject), mismatches: mismatchesOf(rule, subject) }));
  if (selection.selected) {
    return { selected: true, rule: selection.rule, reason: `selected: rule "${selection.rule}" matched (${describeSubject(rules, subject)})`, checks };
  }
  return { selected: false, rule: null, reason: selection.reason, checks };
}

function mismatchesOf(rule: SelectionRule, h: RuleSubject): string[] {
  const out: string[] = [];
  listCheck(out, 'Modality', rule.modality, code(h.modality));
  listCheck(out, 'BodyPartExamined', rule.bodyPartExamined, code(h.bodyPartExamined));
  listCheck(out, 'ViewPosition', rule.viewPosition, code(h.viewPosition));
  listCheck(out, 'SOPClassUID', rule.sopClassUid, (h.sopClassUid ?? '').trim());
  if (rule.seriesDescription && !rule.seriesDescription.test(h.seriesDescription ?? '')) {
    out.push(`SeriesDescription ${JSON.stringify(h.seriesDescription ?? '')} does not match /${rule.seriesDescription.source}/i`);
  }
  return out;
}

function listCheck(out: string[], keyword: string, list: ValueList | undefined, value: string): void {
  if (list === undefined || list.includes(value)) return;
  const wanted = list.map((v) => (v === '' ? '(empty)' : v)).join(' or ');
  out.push(`${keyword} is ${value === '' ? 'empty' : `"${value}"`}, the rule wants ${wanted}`);
}

/** As select.ts compares codes: upper-cased and trimmed, absent = "". */
function code(value: string | undefined): string {
  return (value ?? '').trim().toUpperCase();
}
