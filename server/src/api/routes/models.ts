// The model registry over HTTP: list and inspect models, upload one (validated: it loads, the
// contract's input and output, a self-check on a radiograph), promote, roll back, shadow mode,
// retire. Viewers read, operators upload, admins change what runs. Every change is audited by
// the registry itself (model.upload, model.promote, ...), refused uploads too.
import { z } from 'zod';
import { badRequest } from '../../http/errors.js';
import { modelViews, type ModelRegistry } from '../../registry/index.js';
import type { ApiRouter } from '../router.js';
import { idParams } from './schemas.js';

export interface ModelRouteDeps {
  readonly registry: ModelRegistry;
  /** Largest accepted upload (default 200 MB). */
  readonly uploadLimitBytes?: number;
}

const counts = z.object({ total: z.number(), byState: z.record(z.string(), z.number()), byRole: z.record(z.string(), z.number()) });
const modelSchema = z.object({
  id: z.string(), name: z.string(), version: z.string(), stage: z.string().nullable(), source: z.enum(['shipped', 'upload', 'training']),
  status: z.enum(['registered', 'active', 'shadow', 'retired']), file: z.string(), sha256: z.string(), sizeBytes: z.number(),
  metadata: z.record(z.string(), z.string()), metrics: z.record(z.string(), z.unknown()).nullable(), trainingRunId: z.string().nullable(),
  createdAt: z.string(), createdBy: z.string(), promotedAt: z.string().nullable(), jobs: counts,
});
const checkSchema = z.object({ name: z.string(), ok: z.boolean(), detail: z.string() });
const tensorSchema = z.object({ name: z.string(), type: z.string(), shape: z.array(z.union([z.number(), z.string()])) });
const reportSchema = z.object({
  ok: z.boolean(), metadata: z.record(z.string(), z.string()), inputs: z.array(tensorSchema), outputs: z.array(tensorSchema),
  checks: z.array(checkSchema), selfCheck: z.record(z.string(), z.unknown()).optional(),
});
const changeSchema = z.object({ model: modelSchema, previous: modelSchema.nullable() });
const uploadQuery = z.object({
  metrics: z.string().max(100_000).optional().describe('Evaluation figures as a JSON object (e.g. {"evaluation": {...}}), stored with the model'),
});

export function registerModelRoutes(api: ApiRouter, deps: ModelRouteDeps): void {
  const { registry } = deps;
  const one = async (id: string) => (await modelViews(registry.db, [await registry.get(id)]))[0]!;
  const views = async (...models: ({ id: string } | null)[]) => Promise.all(models.map((m) => (m ? one(m.id) : null)));

  api.route({
    method: 'get', path: '/models', tag: 'models', role: 'viewer', summary: 'The model registry: metadata, metrics, status and jobs per model',
    response: z.object({ items: z.array(modelSchema), active: z.string().nullable(), shadow: z.string().nullable() }),
    async handler() {
      const items = await modelViews(registry.db, await registry.list());
      return { items, active: items.find((m) => m.status === 'active')?.id ?? null, shadow: items.find((m) => m.status === 'shadow')?.id ?? null };
    },
  });
  api.route({
    method: 'get', path: '/models/:id', tag: 'models', role: 'viewer', params: idParams, response: modelSchema, summary: 'One model of the registry',
    handler: ({ params }) => one(params.id),
  });
  api.route({
    method: 'post', path: '/models', tag: 'models', role: 'operator', query: uploadQuery, status: 201,
    upload: { limitBytes: deps.uploadLimitBytes ?? 200 * 1024 * 1024, types: ['application/octet-stream'] },
    response: z.object({ model: modelSchema, report: reportSchema }),
    summary: 'Upload an ONNX model (the raw file as application/octet-stream): validated, then registered (not yet active)',
    description: 'Refused with 400 when it is not a loadable ONNX model, 422 when it breaks the contract or fails the self-check (the detail lists each failed check), 409 when its name and version are taken.',
    async handler({ body, query, user, audit }) {
      const metrics = parseMetrics(query.metrics);
      const { model, report } = await registry.registerBytes(body, { source: 'upload', createdBy: user.username, ...(metrics ? { metrics } : {}), audit });
      return { model: await one(model.id), report };
    },
  });
  api.route({
    method: 'post', path: '/models/rollback', tag: 'models', role: 'admin', response: changeSchema,
    summary: 'Make the model promoted before the active one active again',
    async handler({ audit }) {
      const { model, previous } = await registry.rollback(audit);
      const [m, p] = await views(model, previous);
      return { model: m!, previous: p! };
    },
  });
  api.route({
    method: 'post', path: '/models/:id/promote', tag: 'models', role: 'admin', params: idParams, response: changeSchema,
    summary: 'Make this model the active one: the next job runs it and its version is stamped into the derived series',
    async handler({ params, audit }) {
      const { model, previous } = await registry.promote(params.id, audit);
      const [m, p] = await views(model, previous);
      return { model: m!, previous: p };
    },
  });
  api.route({
    method: 'post', path: '/models/:id/shadow', tag: 'models', role: 'admin', params: idParams, response: modelSchema,
    summary: 'Shadow mode: every selected incoming image is also processed with this model; results are kept, never sent',
    async handler({ params, audit }) {
      return one((await registry.setShadow(params.id, audit)).id);
    },
  });
  // Before DELETE /models/:id, which would otherwise take "shadow" for an id.
  api.route({
    method: 'delete', path: '/models/shadow', tag: 'models', role: 'admin', response: z.object({ model: modelSchema.nullable() }),
    summary: 'End shadow mode (no-op when it is off)',
    async handler({ audit }) {
      const model = await registry.clearShadow(audit);
      return { model: model ? await one(model.id) : null };
    },
  });
  api.route({
    method: 'delete', path: '/models/:id', tag: 'models', role: 'admin', params: idParams, response: modelSchema,
    summary: 'Retire a model (never the active one); its file and its jobs stay',
    async handler({ params, audit }) {
      return one((await registry.retire(params.id, audit)).id);
    },
  });
}

function parseMetrics(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined || text === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest('metrics: not valid JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw badRequest('metrics: expected a JSON object');
  return value as Record<string, unknown>;
}
