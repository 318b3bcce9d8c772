// The audit page's query: filters, newest first, keyset pagination. The trail is append-only
// (a trigger refuses updates and deletes), so a page once read never changes.
import type { Prisma } from '@prisma/client';
import type { Database } from '../db/index.js';
import { decodeCursor, page } from './cursor.js';
import { auditView, type AuditView } from './views.js';

export interface AuditFilter {
  readonly actor?: string;
  /** Exact, or a prefix when it ends with '.' or '*' ('job.' → every job action). */
  readonly action?: string;
  /** Exact, or a prefix when it ends with ':' or '*' ('job:' → every job). */
  readonly subject?: string;
  readonly outcome?: string;
  readonly from?: Date;
  readonly to?: Date;
  readonly limit: number;
  readonly cursor?: string;
}

export async function searchAudit(db: Database, f: AuditFilter): Promise<{ items: AuditView[]; nextCursor: string | null }> {
  const where: Prisma.AuditEventWhereInput = {
    actor: f.actor, outcome: f.outcome, action: textFilter(f.action, '.'), subject: textFilter(f.subject, ':'),
    at: f.from || f.to ? { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lte: f.to } : {}) } : undefined,
  };
  if (f.cursor) {
    const { at, key } = decodeCursor(f.cursor);
    where.OR = [{ at: { lt: at } }, { at, id: { lt: key } }];
  }
  const rows = await db.auditEvent.findMany({ where, orderBy: [{ at: 'desc' }, { id: 'desc' }], take: f.limit + 1 });
  const { items, nextCursor } = page(rows, f.limit, (r) => ({ at: r.at, key: r.id }));
  return { items: items.map(auditView), nextCursor };
}

function textFilter(value: string | undefined, separator: string): Prisma.StringFilter | string | undefined {
  if (!value) return undefined;
  if (value.endsWith('*')) return { startsWith: value.slice(0, -1) };
  if (value.endsWith(separator)) return { startsWith: value };
  return value;
}

export interface AuditFacets {
  readonly actions: string[];
  readonly actors: string[];
  readonly since: string;
}

/** The actions and actors seen lately, for the filters' suggestions (bounded by the at index). */
export async function auditFacets(db: Database, days: number, now = new Date()): Promise<AuditFacets> {
  const since = new Date(now.getTime() - days * 86_400_000);
  const [actions, actors] = await Promise.all([
    db.auditEvent.findMany({ where: { at: { gte: since } }, distinct: ['action'], select: { action: true }, orderBy: { action: 'asc' }, take: 200 }),
    db.auditEvent.findMany({ where: { at: { gte: since } }, distinct: ['actor'], select: { actor: true }, orderBy: { actor: 'asc' }, take: 200 }),
  ]);
  return { actions: actions.map((a) => a.action), actors: actors.map((a) => a.actor), since: since.toISOString() };
}
