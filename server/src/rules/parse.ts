// Validation of a rule set read from configuration (JSON or YAML, so `unknown` here). All
// problems are collected, each with its path ("rules[1].seriesDescription: invalid regex"),
// so that one start-up reports everything that is wrong.

import { RulesError, type RuleSet, type SelectionRule, type ValueList } from './types.js';

const LIST_KEYS = ['modality', 'bodyPartExamined', 'viewPosition', 'sopClassUid'] as const;
const KNOWN_KEYS: readonly string[] = ['name', ...LIST_KEYS, 'seriesDescription'];

/** Validate `input` (a list of rule objects) into a RuleSet; throws RulesError. */
export function parseRules(input: unknown, path = 'rules'): RuleSet {
  const issues: string[] = [];
  if (!Array.isArray(input)) throw new RulesError([`${path}: expected a list of rules, got ${describe(input)}`]);
  if (input.length === 0) throw new RulesError([`${path}: the list is empty, so nothing would ever be selected`]);
  const names = new Set<string>();
  const rules = input.map((raw, i) => parseRule(raw, `${path}[${i}]`, issues, names));
  if (issues.length > 0) throw new RulesError(issues);
  return rules.filter((r): r is SelectionRule => r !== null);
}

function parseRule(raw: unknown, path: string, issues: string[], names: Set<string>): SelectionRule | null {
  if (!isPlainObject(raw)) {
    issues.push(`${path}: expected a rule object, got ${describe(raw)}`);
    return null;
  }
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.includes(key)) issues.push(`${path}.${key}: unknown key (expected ${KNOWN_KEYS.join(', ')})`);
  }
  const name = parseName(raw.name, `${path}.name`, issues, names);
  const rule: { -readonly [K in keyof SelectionRule]?: SelectionRule[K] } = { name: name ?? '' };
  for (const key of LIST_KEYS) {
    if (raw[key] === undefined) continue;
    const list = parseList(raw[key], `${path}.${key}`, issues, key !== 'sopClassUid');
    if (list) rule[key] = list;
  }
  if (raw.seriesDescription !== undefined) {
    const re = parsePattern(raw.seriesDescription, `${path}.seriesDescription`, issues);
    if (re) rule.seriesDescription = re;
  }
  return rule as SelectionRule;
}

function parseName(raw: unknown, path: string, issues: string[], names: Set<string>): string | null {
  if (raw === undefined) {
    issues.push(`${path}: required`);
    return null;
  }
  if (typeof raw !== 'string' || raw.trim() === '') {
    issues.push(`${path}: expected a non-empty string, got ${describe(raw)}`);
    return null;
  }
  const name = raw.trim();
  if (names.has(name)) issues.push(`${path}: duplicate rule name "${name}"`);
  names.add(name);
  return name;
}

/**
 * A list of strings (a lone string is taken as a list of one). null and "" both mean
 * "absent or empty"; codes are kept upper-cased and trimmed, UIDs trimmed.
 */
function parseList(raw: unknown, path: string, issues: string[], isCode: boolean): ValueList | null {
  const items = Array.isArray(raw) ? raw : [raw];
  if (items.length === 0) {
    issues.push(`${path}: the list is empty, so the rule could never match`);
    return null;
  }
  const bad = items.findIndex((v) => v !== null && typeof v !== 'string');
  if (bad >= 0) {
    const where = Array.isArray(raw) ? `${path}[${bad}]` : path;
    issues.push(`${where}: expected a string (or null for "absent"), got ${describe(items[bad])}`);
    return null;
  }
  if (!isCode && items.some((v) => v === null || v.trim() === '')) {
    issues.push(`${path}: a SOP Class UID cannot be empty`);
    return null;
  }
  return items.map((v: string | null) => (v === null ? '' : isCode ? v.trim().toUpperCase() : v.trim()));
}

function parsePattern(raw: unknown, path: string, issues: string[]): RegExp | null {
  if (typeof raw !== 'string') {
    issues.push(`${path}: expected a regular expression as a string, got ${describe(raw)}`);
    return null;
  }
  try {
    return new RegExp(raw, 'i');
  } catch (err) {
    issues.push(`${path}: invalid regex (${(err as Error).message})`);
    return null;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}
