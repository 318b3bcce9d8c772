// Keyset pagination for the console's lists: a cursor is the sort key of the last row sent
// (a time and a tie-breaking id), opaque to clients (base64url JSON). Keyset rather than
// OFFSET so a page stays right while new instances and jobs arrive at the top.
import { badRequest } from '../http/errors.js';

export interface CursorKey {
  /** The row's sort time. */
  readonly at: Date;
  /** Tie-breaker among rows with the same time (an id or a UID). */
  readonly key: string;
}

export function encodeCursor(c: CursorKey): string {
  return Buffer.from(JSON.stringify({ t: c.at.toISOString(), k: c.key }), 'utf8').toString('base64url');
}

/** The cursor a client sent back; 400 when it is not one of ours. */
export function decodeCursor(cursor: string): CursorKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('cursor: not a cursor this API gave out (use nextCursor from the previous page)');
  }
  const { t, k } = (parsed ?? {}) as { t?: unknown; k?: unknown };
  const at = typeof t === 'string' ? new Date(t) : undefined;
  if (!at || Number.isNaN(at.getTime()) || typeof k !== 'string' || k.length === 0) {
    throw badRequest('cursor: not a cursor this API gave out (use nextCursor from the previous page)');
  }
  return { at, key: k };
}

/** One more row than the page was asked for tells whether there is a next page. */
export function page<T>(rows: readonly T[], limit: number, keyOf: (row: T) => CursorKey): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}
