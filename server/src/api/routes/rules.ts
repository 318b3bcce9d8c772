// Selection rules: the console's set over the config file's (or the built-in chest rules),
// applied to the next received instance without a restart, and a test of any set (saved or
// being edited) against a stored instance: "would this be processed, and why".
import { z } from 'zod';
import { stringify as toYaml } from 'yaml';
import type { Database } from '../../db/index.js';
import { DEFAULT_RULES_CONFIG } from '../../rules/index.js';
import { parseRulesInput, testRules, type RulesState, type RuntimeSettings } from '../../settings/index.js';
import { validating } from '../../settings/http-errors.js';
import type { ApiRouter } from '../router.js';

export interface RuleRouteDeps {
  readonly settings: RuntimeSettings;
  readonly db: Database;
}

const rulesSchema = z.object({
  source: z.enum(['console', 'config', 'default']), rules: z.unknown(), yaml: z.string(),
  updatedAt: z.string().nullable(), updatedBy: z.string().nullable(), ignoredConsoleRules: z.array(z.string()).nullable(),
  configRules: z.unknown().nullable(), defaultRules: z.unknown(),
});
const rulesBody = z.strictObject({ rules: z.array(z.unknown()).optional(), yaml: z.string().max(100_000).optional() })
  .refine((b) => (b.rules === undefined) !== (b.yaml === undefined), { message: 'send either rules (a list) or yaml (text), not both' });
const testBody = z.strictObject({
  instanceId: z.string().min(1).max(64).optional(), sopInstanceUid: z.string().min(1).max(64).optional(),
  rules: z.array(z.unknown()).optional(), yaml: z.string().max(100_000).optional(),
}).refine((b) => (b.instanceId === undefined) !== (b.sopInstanceUid === undefined), { message: 'give instanceId or sopInstanceUid' });
const checkSchema = z.object({ rule: z.string(), matched: z.boolean(), mismatches: z.array(z.string()) });
const testSchema = z.object({
  selected: z.boolean(), rule: z.string().nullable(), reason: z.string(), checks: z.array(checkSchema),
  ruleSet: z.enum(['proposed', 'console', 'config', 'default']), instance: z.record(z.string(), z.unknown()),
});
const recentQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).optional() });
const recentSchema = z.object({ items: z.array(z.object({
  id: z.string(), sopInstanceUid: z.string(), modality: z.string().nullable(), bodyPartExamined: z.string().nullable(),
  viewPosition: z.string().nullable(), seriesDescription: z.string().nullable(), status: z.string(), receivedAt: z.date(),
})) });

export function registerRuleRoutes(api: ApiRouter, deps: RuleRouteDeps): void {
  const { settings, db } = deps;
  api.route({
    method: 'get', path: '/rules', tag: 'rules', role: 'viewer', response: rulesSchema,
    summary: 'The selection rules in force and where they come from',
    handler: async () => view(settings.rulesState(), settings.fileConfig.rules),
  });
  api.route({
    method: 'put', path: '/rules', tag: 'rules', role: 'operator', body: rulesBody, response: rulesSchema,
    summary: 'Replace the selection rules (400 lists every problem with its path); applies to the next received instance',
    async handler({ body, user, audit }) {
      const change = await validating('selection rules', () => settings.setRules(body, user.username));
      await audit('rules.update', 'rules', { before: brief(change.before), after: brief(change.after) });
      return view(change.after, settings.fileConfig.rules);
    },
  });
  api.route({
    method: 'delete', path: '/rules', tag: 'rules', role: 'operator', response: rulesSchema,
    summary: 'Drop the console\'s rules: the config file\'s (or the built-in) rules apply again',
    async handler({ audit }) {
      const change = await settings.resetRules();
      await audit('rules.reset', 'rules', { before: brief(change.before), after: brief(change.after) });
      return view(change.after, settings.fileConfig.rules);
    },
  });
  api.route({
    method: 'post', path: '/rules/test', tag: 'rules', role: 'operator', body: testBody, response: testSchema,
    summary: 'Would this stored instance be processed, and why (current rules, or the proposed ones in the body)',
    async handler({ body }) {
      const proposed = body.rules !== undefined || body.yaml !== undefined;
      const rules = proposed
        ? (await validating('selection rules', () => parseRulesInput({ rules: body.rules, yaml: body.yaml }))).rules
        : settings.rules();
      const ref = body.instanceId !== undefined ? { instanceId: body.instanceId } : { sopInstanceUid: body.sopInstanceUid! };
      const result = await testRules(db, rules, ref);
      return { ...result, ruleSet: proposed ? 'proposed' : settings.rulesState().source };
    },
  });
  api.route({
    method: 'get', path: '/rules/recent-instances', tag: 'rules', role: 'operator', query: recentQuery, response: recentSchema,
    summary: 'Recently received instances to test rules against (header facts only)',
    async handler({ query }) {
      const items = await db.instance.findMany({
        orderBy: { receivedAt: 'desc' }, take: query.limit ?? 20,
        select: { id: true, sopInstanceUid: true, modality: true, bodyPartExamined: true, viewPosition: true, seriesDescription: true, status: true, receivedAt: true },
      });
      return { items };
    },
  });
}

function view(state: RulesState, configRules: unknown) {
  return {
    source: state.source, rules: state.raw, yaml: toYaml(state.raw), updatedAt: state.updatedAt, updatedBy: state.updatedBy,
    ignoredConsoleRules: state.ignoredConsoleRules ? [...state.ignoredConsoleRules] : null,
    configRules: configRules ?? null, defaultRules: DEFAULT_RULES_CONFIG,
  };
}

function brief(state: RulesState): Record<string, unknown> {
  return { source: state.source, rules: state.raw };
}
