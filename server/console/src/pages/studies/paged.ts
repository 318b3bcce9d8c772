// Keyset pages ("load more"): the first page comes from `path`, each further one from the
// same path with the previous page's nextCursor. A new path (other filters) starts over.
import { useEffect, useState } from 'react';
import { api, ApiError, useApi } from '../../api.js';

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

export interface Paged<T> {
  readonly items: readonly T[];
  readonly loading: boolean;
  readonly error: ApiError | undefined;
  /** True when the node has more than is shown. */
  readonly more: boolean;
  readonly loadingMore: boolean;
  readonly loadMore: () => void;
  readonly reload: () => void;
}

/** `refreshMs` refreshes the first page only (newest first, so new rows appear on top). */
export function usePaged<T>(path: string | null, refreshMs?: number): Paged<T> {
  const first = useApi<Page<T>>(path, refreshMs);
  const [extra, setExtra] = useState<{ path: string | null; items: T[]; cursor: string | null | undefined }>({ path, items: [], cursor: undefined });
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<ApiError>();
  useEffect(() => {
    setExtra({ path, items: [], cursor: undefined });
    setMoreError(undefined);
  }, [path]);

  const mine = extra.path === path ? extra : { items: [] as T[], cursor: undefined };
  const cursor = mine.cursor === undefined ? first.data?.nextCursor ?? null : mine.cursor;
  const loadMore = (): void => {
    if (!cursor || !path || loadingMore) return;
    setLoadingMore(true);
    const sep = path.includes('?') ? '&' : '?';
    api<Page<T>>(`${path}${sep}cursor=${encodeURIComponent(cursor)}`).then(
      (page) => setExtra((e) => (e.path === path ? { path, items: [...e.items, ...page.items], cursor: page.nextCursor } : e)),
      (err: Error) => setMoreError(err instanceof ApiError ? err : new ApiError(0, err.message)),
    ).finally(() => setLoadingMore(false));
  };
  // A refreshed first page may now hold rows the extra pages hold too (new arrivals push rows down).
  const seen = new Set<unknown>();
  const items = [...(first.data?.items ?? []), ...mine.items].filter((item) => {
    const key = (item as { id?: string; studyInstanceUid?: string }).id ?? (item as { studyInstanceUid?: string }).studyInstanceUid ?? item;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { items, loading: first.loading && !first.data, error: first.error ?? moreError, more: !!cursor, loadingMore, loadMore, reload: first.reload };
}
