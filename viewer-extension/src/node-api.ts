// The SharpXR node's HTTP API as the viewer uses it (same origin: the node serves the viewer).
// Every call has a timeout, so a slow node never freezes the viewer.

let apiRoot = '/api';

export function setApiRoot(root: string | undefined): void {
  if (root) apiRoot = root.replace(/\/+$/, '');
}

export class NodeApiError extends Error {
  override name = 'NodeApiError';
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

async function request<T>(path: string, init: RequestInit = {}, timeoutMs = 5000): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const res = await fetch(`${apiRoot}${path}`, { ...init, signal: controller.signal, credentials: 'same-origin' });
    const body = (await res.json().catch(() => ({}))) as { error?: string; detail?: string };
    if (!res.ok) throw new NodeApiError(body.error ?? `the node answered ${res.status}`, res.status);
    return body as T;
  } catch (err) {
    if (err instanceof NodeApiError) throw err;
    const aborted = err instanceof DOMException && err.name === 'AbortError';
    throw new NodeApiError(aborted ? `the node did not answer within ${timeoutMs / 1000} s` : 'the SharpXR node cannot be reached');
  } finally {
    clearTimeout(timer);
  }
}

export interface FeedbackInput {
  seriesInstanceUid: string;
  sopInstanceUid?: string;
  studyInstanceUid?: string;
  verdict: 'accept' | 'reject';
  reason?: string;
  modelId?: string;
  modelVersion?: string;
}

export interface FeedbackRecord extends FeedbackInput {
  id: string;
  at: string;
  modelId: string;
  modelVersion: string;
}

let csrfToken: Promise<string> | undefined;

/**
 * The login session's CSRF token, which the node wants on every state-changing request (the
 * viewer is behind the same login as the console). Asked once; asked again after a 403.
 */
function csrf(): Promise<string> {
  csrfToken ??= request<{ csrfToken: string | null }>('/auth/state').then((s) => {
    if (!s.csrfToken) throw new NodeApiError('you are not logged in to the SharpXR node: reload the page', 401);
    return s.csrfToken;
  });
  csrfToken.catch(() => (csrfToken = undefined));
  return csrfToken;
}

export async function postFeedback(input: FeedbackInput): Promise<FeedbackRecord> {
  const send = async () => request<FeedbackRecord>('/feedback', {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': await csrf() }, body: JSON.stringify(input),
  });
  try {
    return await send();
  } catch (err) {
    // A session renewed in another tab has a new token: fetch it once more.
    if (!(err instanceof NodeApiError) || err.status !== 403) throw err;
    csrfToken = undefined;
    return send();
  }
}

export async function studiesWithDerived(): Promise<Set<string>> {
  const body = await request<{ studyInstanceUids: string[] }>('/viewer/studies', {}, 3000);
  return new Set(body.studyInstanceUids);
}
