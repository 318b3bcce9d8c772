// Node settings (admin): AE title, ports, storage folder, retention, guard policy. Each value
// says where it comes from (console, environment, config file, default) and whether it applies
// live or at the next start; a change is validated like the config file and audited.
import { z } from 'zod';
import { SETTING_IDS, type RuntimeSettings, type SettingView } from '../../settings/index.js';
import { validating } from '../../settings/http-errors.js';
import type { ApiRouter } from '../router.js';

export interface SettingsRouteDeps {
  readonly settings: RuntimeSettings;
}

const value = z.union([z.string(), z.number()]);
const viewSchema = z.object({
  id: z.enum(SETTING_IDS), key: z.string(), label: z.string(), help: z.string(), live: z.boolean(), value,
  source: z.enum(['console', 'environment', 'config', 'default']), consoleValue: value.nullable(), configValue: value,
  defaultValue: value, runningValue: value, restartRequired: z.boolean(), updatedAt: z.string().nullable(), updatedBy: z.string().nullable(),
});
const listSchema = z.object({ items: z.array(viewSchema), restartRequired: z.boolean() });
// null: back to the config file's value. Types stay loose: the config parser checks and words them.
const patchBody = z.strictObject(Object.fromEntries(SETTING_IDS.map((id) => [id, value.nullable().optional()])) as Record<(typeof SETTING_IDS)[number], z.ZodOptional<z.ZodNullable<typeof value>>>);

export function registerSettingsRoutes(api: ApiRouter, deps: SettingsRouteDeps): void {
  const { settings } = deps;
  api.route({
    method: 'get', path: '/settings', tag: 'settings', role: 'admin', response: listSchema,
    summary: 'Node settings with their source and whether they apply live',
    handler: async () => list(settings.settings()),
  });
  api.route({
    method: 'put', path: '/settings', tag: 'settings', role: 'admin', body: patchBody, response: listSchema,
    summary: 'Change node settings (null returns one to its config file value); 400 lists every wrong value',
    async handler({ body, user, audit }) {
      const change = await validating('settings', () => settings.updateSettings(body, user.username));
      if (change.changed.length > 0) {
        const pick = (views: SettingView[]) => Object.fromEntries(views.filter((v) => change.changed.includes(v.id)).map((v) => [v.id, { value: v.value, source: v.source }]));
        const pending = change.after.filter((v) => change.changed.includes(v.id) && v.restartRequired).map((v) => v.id);
        await audit('settings.update', 'settings', { before: pick(change.before), after: pick(change.after), restartRequired: pending });
      }
      return list(change.after);
    },
  });
}

function list(items: SettingView[]) {
  return { items, restartRequired: items.some((i) => i.restartRequired) };
}
