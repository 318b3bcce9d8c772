// The console's one door to the node: JSON over /api with the session cookie and, on every
// state-changing request, the session's CSRF token (server/src/api/README.md). Errors come
// back as ApiError carrying the node's own message, which pages show as they are: the API
// words them for people.
import { useCallback, useEffect, useRef, useState } from 'react';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
/** Set by the auth provider whenever the session changes. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called on any 401 so the app can go back to the login page (the session ended). */
let onUnauthorized: (() => void) | null = null;
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

export interface ApiInit {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Sent as JSON. */
  readonly json?: unknown;
  /** Sent as is (model uploads, Try-it files). */
  readonly body?: Blob | ArrayBuffer | Uint8Array;
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  readonly headers?: Record<string, string>;
}

/** fetch() with the session's credentials and CSRF token; throws ApiError on non-2xx. */
export async function apiFetch(path: string, init: ApiInit = {}): Promise<Response> {
  const method = init.method ?? (init.json !== undefined || init.body !== undefined ? 'POST' : 'GET');
  const headers: Record<string, string> = { Accept: 'application/json', ...init.headers };
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let body: BodyInit | undefined;
  if (init.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.body !== undefined) {
    headers['Content-Type'] = init.contentType ?? 'application/octet-stream';
    body = init.body as BodyInit;
  }
  let res: Response;
  try {
    res = await fetch(path.startsWith('/') ? path : `/api/${path}`, { method, headers, body, credentials: 'same-origin', signal: init.signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'The node did not answer: it may be stopped or restarting.');
  }
  if (res.ok) return res;
  const failure = await errorOf(res);
  if (res.status === 401 && !path.includes('/auth/')) onUnauthorized?.();
  throw failure;
}

async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as { error?: string; detail?: unknown };
    if (parsed.error) return new ApiError(res.status, parsed.error, parsed.detail);
  } catch {
    // Not JSON (a proxy's error page): fall through to the status line.
  }
  return new ApiError(res.status, `${res.status} ${res.statusText || 'error'}${text && text.length < 200 ? `: ${text}` : ''}`);
}

/** JSON in, JSON out. */
export async function api<T>(path: string, init: ApiInit = {}): Promise<T> {
  const res = await apiFetch(path, init);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  readonly loading: boolean;
  /** Fetches again, keeping the current data on screen until the new data arrives. */
  readonly reload: () => void;
}

/**
 * GET a path and keep it fresh: refetches when the path changes, every `refreshMs` when set
 * (paused while the tab is hidden), and on reload(). A null path fetches nothing.
 */
export function useApi<T>(path: string | null, refreshMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: path !== null });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const current = useRef(path);
  current.current = path;
  useEffect(() => {
    if (path === null) return;
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    api<T>(path, { signal: abort.signal }).then(
      (data) => current.current === path && setState({ data, loading: false }),
      (error: Error) => {
        if (error.name === 'AbortError') return;
        setState((s) => ({ data: s.data, error: error instanceof ApiError ? error : new ApiError(0, error.message), loading: false }));
      },
    );
    return () => abort.abort();
  }, [path, tick]);
  useEffect(() => {
    if (!refreshMs || path === null) return;
    const timer = setInterval(() => document.visibilityState === 'visible' && reload(), refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs, path, reload]);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** Builds a query string from the set values only. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
