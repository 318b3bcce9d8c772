// The OpenAPI 3.1 document at /api/openapi.json, made from the same zod schemas that validate
// the requests (zod 4's toJSONSchema), so the document cannot drift from what the API accepts.
import { z } from 'zod';
import type { AnyRoute } from './router.js';

export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
}

const ERROR = { type: 'object', properties: { error: { type: 'string' }, detail: { type: 'string' } }, required: ['error'] };
const ERRORS: Record<string, string> = {
  '400': 'invalid request (the message names the field)', '401': 'not logged in', '403': 'role too low, or CSRF token missing/wrong',
  '404': 'not found', '409': 'conflicts with the current state', '415': 'wrong Content-Type', '429': 'too many attempts (see Retry-After)',
};

export function openApiDocument(routes: readonly AnyRoute[], info: OpenApiInfo): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = `/api${route.path.replace(/:(\w+)/g, '{$1}')}`;
    (paths[path] ??= {})[route.method] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version },
    paths,
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'sharpxr_session', description: 'Login session (POST /api/auth/login); state-changing requests also need X-CSRF-Token.' },
        token: { type: 'http', scheme: 'bearer', description: 'API token: Authorization: Bearer sxr_…' },
      },
      schemas: { Error: ERROR },
    },
  };
}

function operation(route: AnyRoute): Record<string, unknown> {
  const op: Record<string, unknown> = {
    tags: [route.tag], summary: route.summary, operationId: `${route.method}${route.path.replace(/[/:](\w)/g, (_, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '')}`,
    ...(route.description ? { description: route.description } : {}),
    'x-role': route.role,
    security: route.role === 'public' ? [] : [{ session: [] }, { token: [] }],
    parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
    responses: responses(route),
  };
  if (route.body) op.requestBody = { required: true, content: { 'application/json': { schema: schema(route.body) } } };
  if (route.upload) {
    op.requestBody = { required: true, content: Object.fromEntries((route.upload.types as readonly string[]).map((t) => [t, { schema: { type: 'string', format: 'binary' } }])) };
  }
  return op;
}

function responses(route: AnyRoute): Record<string, unknown> {
  const status = String(route.status ?? 200);
  const ok = route.produces
    ? { description: 'OK', content: { [route.produces]: { schema: { type: 'string', format: 'binary' } } } }
    : route.response ? { description: 'OK', content: { 'application/json': { schema: schema(route.response) } } } : { description: 'OK' };
  const errors = Object.fromEntries(Object.entries(ERRORS)
    .filter(([code]) => route.role !== 'public' || (code !== '401' && code !== '403'))
    .map(([code, description]) => [code, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]));
  return { [status]: ok, ...errors };
}

function parameters(shape: z.ZodType | undefined, where: 'path' | 'query'): Record<string, unknown>[] {
  if (!shape) return [];
  const json = schema(shape) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: s,
  }));
}

function schema(s: z.ZodType): Record<string, unknown> {
  // 'input': what a client sends (before transforms); transforms and preprocessors that JSON
  // Schema cannot express become "any" instead of throwing.
  const json = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}
