// Effective selection rules: the console's (Setting 'rules'), else the config file's, else the
// built-in chest rules. Stored as the raw list the config file would hold, so it is validated
// by the same parseRules and shown back as written.
import type { Setting } from '@prisma/client';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_RULES, DEFAULT_RULES_CONFIG, parseRules, RulesError, type RuleSet } from '../rules/index.js';

export const RULES_KEY = 'rules';

export interface RulesState {
  readonly source: 'console' | 'config' | 'default';
  /** The rule list as written (JSON-compatible). */
  readonly raw: unknown;
  readonly rules: RuleSet;
  readonly updatedAt: string | null;
  readonly updatedBy: string | null;
  /** A stored console rule set that no longer validates (it is ignored, and this says why). */
  readonly ignoredConsoleRules: readonly string[] | null;
}

export function configRulesState(configRaw: unknown): RulesState {
  const base = { updatedAt: null, updatedBy: null, ignoredConsoleRules: null };
  // The config's rules were validated at start (main.ts), so this cannot throw there.
  if (configRaw !== undefined) return { ...base, source: 'config', raw: configRaw, rules: parseRules(configRaw) };
  return { ...base, source: 'default', raw: DEFAULT_RULES_CONFIG, rules: DEFAULT_RULES };
}

export function rulesState(configRaw: unknown, row: Setting | null): RulesState {
  const fallback = configRulesState(configRaw);
  if (!row) return fallback;
  try {
    const raw: unknown = JSON.parse(row.valueJson);
    return { source: 'console', raw, rules: parseRules(raw), updatedAt: row.updatedAt.toISOString(), updatedBy: row.updatedBy, ignoredConsoleRules: null };
  } catch (err) {
    const issues = err instanceof RulesError ? err.issues : [`stored rules are not JSON: ${(err as Error).message}`];
    return { ...fallback, ignoredConsoleRules: issues };
  }
}

/** Rules from the editor: a list, or YAML/JSON text holding one; RulesError lists every problem. */
export function parseRulesInput(input: { rules?: unknown; yaml?: string | undefined }): { raw: unknown; rules: RuleSet } {
  let raw = input.rules;
  if (input.yaml !== undefined) {
    try {
      raw = parseYaml(input.yaml);
    } catch (err) {
      throw new RulesError([`rules: not valid YAML (${(err as Error).message.split('\n')[0]})`]);
    }
  }
  // A pasted config section ("rules:\n  - name: ...") is the same list.
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 1 && 'rules' in raw) raw = (raw as { rules: unknown }).rules;
  // Same JSON a round trip through the database gives, so what is tested is what is stored.
  raw = raw === undefined ? undefined : JSON.parse(JSON.stringify(raw));
  return { raw, rules: parseRules(raw) };
}
