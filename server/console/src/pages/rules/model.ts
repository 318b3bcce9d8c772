// Selection rules between the API's raw list (as the config file holds it) and the form: each
// value list is edited as comma-separated text, "(empty)" standing for "absent or empty" (the
// API's ""), and a blank field leaves the condition out. The node validates what is sent.

export const LIST_KEYS = ['modality', 'bodyPartExamined', 'viewPosition', 'sopClassUid'] as const;
export type ListKey = (typeof LIST_KEYS)[number];
export type RuleField = 'name' | ListKey | 'seriesDescription';
export const RULE_FIELDS: readonly RuleField[] = ['name', 'modality', 'bodyPartExamined', 'viewPosition', 'seriesDescription', 'sopClassUid'];

export const EMPTY_TOKEN = '(empty)';

export interface RuleRow {
  /** Stable across edits and moves (React keys). */
  readonly key: number;
  name: string;
  modality: string;
  bodyPartExamined: string;
  viewPosition: string;
  seriesDescription: string;
  sopClassUid: string;
  /** Keys the form does not know, kept so a save does not drop them (the node will name them). */
  extra: Record<string, unknown>;
}

export const LABELS: Record<RuleField, string> = {
  name: 'Name', modality: 'Modality', bodyPartExamined: 'Body Part Examined', viewPosition: 'View Position',
  seriesDescription: 'Series Description', sopClassUid: 'SOP Class UID',
};

let nextKey = 1;

export function emptyRow(): RuleRow {
  return { key: nextKey++, name: '', modality: '', bodyPartExamined: '', viewPosition: '', seriesDescription: '', sopClassUid: '', extra: {} };
}

function listText(value: unknown): string {
  const items = Array.isArray(value) ? value : [value];
  return items.map((v) => (v === null || v === '' ? EMPTY_TOKEN : String(v))).join(', ');
}

/** The API's list into form rows; something that is not a list gives no rows. */
export function rowsOf(raw: unknown): RuleRow[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((r) => {
    const rule = (r && typeof r === 'object' ? r : {}) as Record<string, unknown>;
    const row = emptyRow();
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rule)) {
      if (k === 'name') row.name = typeof v === 'string' ? v : JSON.stringify(v);
      else if ((LIST_KEYS as readonly string[]).includes(k)) row[k as ListKey] = listText(v);
      else if (k === 'seriesDescription') row.seriesDescription = typeof v === 'string' ? v : JSON.stringify(v);
      else extra[k] = v;
    }
    row.extra = extra;
    return row;
  });
}

function listOf(text: string): string[] | undefined {
  if (text.trim() === '') return undefined;
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => (s.toLowerCase() === EMPTY_TOKEN ? '' : s));
}

/** The form back into the list PUT /api/rules takes. */
export function rawOf(rows: readonly RuleRow[]): Record<string, unknown>[] {
  return rows.map((row) => {
    const rule: Record<string, unknown> = { name: row.name.trim(), ...row.extra };
    for (const key of LIST_KEYS) {
      const list = listOf(row[key]);
      if (list) rule[key] = list;
    }
    if (row.seriesDescription.trim() !== '') rule.seriesDescription = row.seriesDescription.trim();
    return rule;
  });
}

/** Same rules? (Compares what would be sent.) */
export function sameRules(rows: readonly RuleRow[], raw: unknown): boolean {
  return JSON.stringify(rawOf(rows)) === JSON.stringify(rawOf(rowsOf(raw)));
}

/** "Modality is CR or DX, and Body Part Examined is CHEST": a rule read aloud. */
export function describeRule(rule: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const key of LIST_KEYS) {
    if (rule[key] === undefined) continue;
    const items = (Array.isArray(rule[key]) ? rule[key] : [rule[key]]) as unknown[];
    const words = items.map((v) => (v === '' || v === null ? 'absent or empty' : String(v)));
    parts.push(`${LABELS[key]} is ${words.join(' or ')}`);
  }
  if (typeof rule.seriesDescription === 'string') parts.push(`Series Description matches /${rule.seriesDescription}/i`);
  return parts.length === 0 ? 'every instance (no conditions)' : parts.join(', and ');
}

/** "rules[2].modality[0]: …" → { index: 2, field: 'modality' }; undefined for list-level problems. */
export function pathOf(issue: string): { index: number; field: RuleField | undefined } | undefined {
  const m = /^rules\[(\d+)\](?:\.(\w+))?/.exec(issue);
  if (!m) return undefined;
  const field = RULE_FIELDS.find((f) => f === m[2]);
  return { index: Number(m[1]), field };
}
