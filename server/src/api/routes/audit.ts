// The audit log for admins and operators: who did what to which subject and when, filtered,
// newest first, in keyset pages. Viewers get 403 (the trail names users and client addresses).
import { z } from 'zod';
import type { Database } from '../../db/index.js';
import { auditFacets, searchAudit } from '../../jobs/index.js';
import { auditSchema, limitParam } from '../../jobs/schemas.js';
import type { ApiRouter } from '../router.js';
import { optional } from './schemas.js';

export interface AuditRouteDeps {
  readonly db: Database;
}

/** An ISO date-time, or a date: the start of that day (from) or its end (to), UTC. */
const when = (end: boolean) => optional(z.string().max(40).transform((s, ctx) => {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T${end ? '23:59:59.999' : '00:00:00.000'}Z` : s);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'expected an ISO 8601 date or date-time' });
    return z.NEVER;
  }
  return d;
}));
const text = optional(z.string().max(200));
const auditQuery = z.strictObject({
  actor: text, action: text, subject: text, outcome: optional(z.enum(['ok', 'denied', 'failed'])), from: when(false), to: when(true),
  limit: limitParam(100, 500), cursor: optional(z.string().max(512)),
});
const auditPageSchema = z.object({ items: z.array(auditSchema), nextCursor: z.string().nullable() });
const facetsQuery = z.strictObject({ days: z.coerce.number().int().min(1).max(365).default(30) });
const facetsSchema = z.object({ actions: z.array(z.string()), actors: z.array(z.string()), since: z.string() });

export function registerAuditRoutes(api: ApiRouter, deps: AuditRouteDeps): void {
  api.route({
    method: 'get', path: '/audit', tag: 'audit', role: 'operator', query: auditQuery, response: auditPageSchema,
    summary: 'The audit trail, newest first (admins and operators)',
    description: 'action and subject match exactly, or as a prefix when they end with "*" (or "." / ":", e.g. action=job. or subject=job:). from/to: ISO dates or date-times, inclusive.',
    handler: async ({ query }) => searchAudit(deps.db, query),
  });
  api.route({
    method: 'get', path: '/audit/facets', tag: 'audit', role: 'operator', query: facetsQuery, response: facetsSchema,
    summary: 'The actions and actors recorded in the last days (default 30), for the audit filters',
    handler: async ({ query }) => auditFacets(deps.db, query.days),
  });
}
