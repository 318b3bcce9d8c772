// Destinations: the config file's list with the console's additions and overrides (each tagged
// with its source), changed without a restart, every change audited with before and after.
// "Test connection" is a real C-ECHO, for a saved destination or for a form not saved yet.
import { z } from 'zod';
import type { ExportLogger } from '../../export/index.js';
import { HttpError } from '../../http/errors.js';
import { testConnection, validateDestination, type EffectiveDestination, type RuntimeSettings } from '../../settings/index.js';
import { validating } from '../../settings/http-errors.js';
import type { ApiRouter } from '../router.js';

export interface DestinationRouteDeps {
  readonly settings: RuntimeSettings;
  readonly logger?: ExportLogger;
  /** C-ECHO deadline (default settings/echo.ts's ECHO_TIMEOUT_MS). */
  readonly echoTimeoutMs?: number;
}

const values = z.object({ name: z.string(), aeTitle: z.string(), host: z.string(), port: z.number(), secondaryCapture: z.boolean() });
const destinationSchema = values.extend({
  enabled: z.boolean(), deleted: z.boolean(), source: z.enum(['config', 'console', 'console-override']),
  configValues: values.nullable(), updatedAt: z.string().nullable(), updatedBy: z.string().nullable(),
});
// Loose types on purpose: the config file's parser (settings/validate.ts) checks the values and
// words the errors as it does for the file; a form may send the port as text.
const portInput = z.union([z.number(), z.string()]);
const createBody = z.strictObject({
  name: z.string().max(64), aeTitle: z.string().max(64), host: z.string().max(255), port: portInput,
  secondaryCapture: z.boolean().optional(), enabled: z.boolean().optional(),
});
const updateBody = createBody.partial();
const echoBody = z.strictObject({ name: z.string().max(64).optional(), aeTitle: z.string().max(64), host: z.string().max(255), port: portInput });
const nameParams = z.object({ name: z.string().min(1).max(64) });
const echoSchema = z.object({
  ok: z.boolean(), status: z.number().nullable(), ms: z.number(), error: z.string().nullable(), retryable: z.boolean().nullable(),
  callingAeTitle: z.string(), destination: z.object({ name: z.string(), aeTitle: z.string(), host: z.string(), port: z.number() }),
});

export function registerDestinationRoutes(api: ApiRouter, deps: DestinationRouteDeps): void {
  const { settings } = deps;
  const subject = (name: string): string => `destination:${name}`;
  const echo = (d: { name: string; aeTitle: string; host: string; port: number }) => testConnection(d, {
    callingAeTitle: settings.startupConfig.dicom.aeTitle,
    ...(deps.echoTimeoutMs ? { timeoutMs: deps.echoTimeoutMs } : {}), ...(deps.logger ? { logger: deps.logger } : {}),
  });

  api.route({
    method: 'get', path: '/destinations', tag: 'destinations', role: 'viewer', summary: 'Destinations in force (config file and console) with their source',
    response: z.object({ items: z.array(destinationSchema), callingAeTitle: z.string() }),
    handler: async () => ({ items: settings.listDestinations(), callingAeTitle: settings.startupConfig.dicom.aeTitle }),
  });
  api.route({
    method: 'post', path: '/destinations', tag: 'destinations', role: 'operator', body: createBody, response: destinationSchema, status: 201,
    summary: 'Add a destination (the next job is sent to it too)',
    async handler({ body, user, audit }) {
      const change = await validating('destination', () => settings.createDestination(body, user.username));
      await audit('destination.create', subject(change.after!.name), { before: brief(change.before), after: brief(change.after) });
      return change.after;
    },
  });
  api.route({
    method: 'put', path: '/destinations/:name', tag: 'destinations', role: 'operator', params: nameParams, body: updateBody, response: destinationSchema,
    summary: 'Change a destination (a config file destination gets a console override)',
    async handler({ params, body, user, audit }) {
      const change = await validating('destination', () => settings.updateDestination(params.name, body, user.username));
      await audit('destination.update', subject(params.name), { before: brief(change.before), after: brief(change.after) });
      return change.after;
    },
  });
  api.route({
    method: 'delete', path: '/destinations/:name', tag: 'destinations', role: 'operator', params: nameParams,
    summary: 'Delete a destination (a config file one is hidden and can be restored)',
    async handler({ params, user, audit }) {
      const change = await settings.deleteDestination(params.name, user.username);
      await audit('destination.delete', subject(params.name), { before: brief(change.before), after: brief(change.after) });
      return undefined;
    },
  });
  api.route({
    method: 'post', path: '/destinations/:name/revert', tag: 'destinations', role: 'operator', params: nameParams, response: destinationSchema,
    summary: 'Drop the console\'s changes to a config file destination (restores a deleted one)',
    async handler({ params, audit }) {
      const change = await settings.revertDestination(params.name);
      await audit('destination.revert', subject(params.name), { before: brief(change.before), after: brief(change.after) });
      return change.after;
    },
  });
  api.route({
    method: 'post', path: '/destinations/:name/echo', tag: 'destinations', role: 'operator', params: nameParams, response: echoSchema,
    summary: 'Test a saved destination with a C-ECHO',
    async handler({ params }) {
      const d = settings.destination(params.name);
      if (!d || d.deleted) throw new HttpError(404, `no destination named "${params.name}"`);
      return echo(d);
    },
  });
  api.route({
    method: 'post', path: '/destinations/echo', tag: 'destinations', role: 'operator', body: echoBody, response: echoSchema,
    summary: 'Test a destination before saving it (C-ECHO with the values given)',
    async handler({ body }) {
      const valid = await validating('destination', () => validateDestination({ ...body, name: body.name?.trim() || 'unsaved' }));
      return echo(valid);
    },
  });
}

/** What the audit row keeps of a destination: its values and state, not timestamps. */
function brief(d: EffectiveDestination | null): Record<string, unknown> | null {
  if (!d) return null;
  const { name, aeTitle, host, port, secondaryCapture, enabled, deleted, source } = d;
  return { name, aeTitle, host, port, secondaryCapture, enabled, deleted, source };
}
