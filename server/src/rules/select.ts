// Applying a rule set to one instance's header. A skip carries a reason a person can read in
// the job list: the values the rules looked at, never patient data.

import type { RuleSet, RuleSubject, Selection, SelectionRule, ValueList } from './types.js';

export function selectInstance(rules: RuleSet, header: RuleSubject): Selection {
  const match = rules.find((rule) => matches(rule, header));
  if (match) return { selected: true, rule: match.name };
  return { selected: false, reason: `skipped: no rule matched (${describeSubject(rules, header)})` };
}

export function matches(rule: SelectionRule, h: RuleSubject): boolean {
  return (
    inList(rule.modality, code(h.modality)) &&
    inList(rule.bodyPartExamined, code(h.bodyPartExamined)) &&
    inList(rule.viewPosition, code(h.viewPosition)) &&
    inList(rule.sopClassUid, (h.sopClassUid ?? '').trim()) &&
    (rule.seriesDescription === undefined || rule.seriesDescription.test(h.seriesDescription ?? ''))
  );
}

/** Codes compare upper-cased and trimmed; absent and empty are both "". */
function code(value: string | undefined): string {
  return (value ?? '').trim().toUpperCase();
}

function inList(list: ValueList | undefined, value: string): boolean {
  return list === undefined || list.includes(value);
}

/** The attributes that decide, as "Keyword=value"; description and class only when a rule uses them. */
export function describeSubject(rules: RuleSet, h: RuleSubject): string {
  const shown = (v: string | undefined): string => (v && v.trim() ? v.trim() : '(empty)');
  const parts = [
    `Modality=${shown(h.modality)}`,
    `BodyPartExamined=${shown(h.bodyPartExamined)}`,
    `ViewPosition=${shown(h.viewPosition)}`,
  ];
  if (rules.some((r) => r.seriesDescription)) parts.push(`SeriesDescription=${JSON.stringify(h.seriesDescription ?? '')}`);
  if (rules.some((r) => r.sopClassUid)) parts.push(`SOPClassUID=${h.sopClassUid}`);
  return parts.join(', ');
}
