// When the PACS behind the node's /dicom-web proxy fails, OHIF alone says only "the requested
// studies are not available". A reader must know whether the study is missing or the PACS is
// down: OHIF's http error handler (app-config.js calls window.sharpxrHttpError) shows a banner
// with the node's own explanation (its proxy answers 502/504 with a JSON {error, detail}).
import { h } from './panel/dom.js';

interface HttpErrorLike {
  readonly status?: number;
  readonly response?: unknown;
  readonly message?: string;
}

const BANNER_ID = 'sharpxr-pacs-error';

function responseText(response: unknown): string | undefined {
  if (typeof response === 'string') return response;
  if (response instanceof ArrayBuffer && response.byteLength < 64 * 1024) return new TextDecoder().decode(response);
  return undefined;
}

/** What to tell the reader, or undefined for errors that are not the PACS's (a 404 of one frame, say). */
export function describeHttpError(error: HttpErrorLike): { title: string; detail: string } | undefined {
  const status = error.status ?? 0;
  let said: string | undefined;
  try {
    const body = JSON.parse(responseText(error.response) ?? '') as { error?: string; detail?: string };
    said = [body.error, body.detail].filter(Boolean).join(': ') || undefined;
  } catch {
    said = undefined;
  }
  if (status === 0) return { title: 'The SharpXR node cannot be reached', detail: 'The browser got no answer from the node. Check the network, then reload.' };
  if (status === 502 || status === 504) {
    return { title: 'The PACS is not answering', detail: `${said ?? `The node's DICOMweb proxy answered ${status}.`} The SharpXR node is running; reload once the PACS is back.` };
  }
  if (status === 401 || status === 403) return { title: 'Not allowed to read from the PACS', detail: said ?? `The PACS answered ${status}.` };
  if (status >= 500) return { title: `The PACS failed (${status})`, detail: said ?? 'Try again in a moment.' };
  return undefined;
}

export function showHttpError(error: HttpErrorLike): void {
  const message = describeHttpError(error);
  if (!message) return;
  document.getElementById(BANNER_ID)?.remove();
  const reload = h('button', { type: 'button', style: 'margin-left:12px;padding:3px 10px;border:1px solid #ffb4b4;border-radius:4px;background:transparent;color:#ffe1e1;cursor:pointer', onclick: () => location.reload() }, 'Reload');
  const close = h('button', { type: 'button', 'aria-label': 'Dismiss', style: 'margin-left:8px;border:0;background:transparent;color:#ffe1e1;font-size:16px;cursor:pointer', onclick: () => banner.remove() }, '×');
  const banner = h('div', {
    id: BANNER_ID, role: 'alert', 'data-sharpxr': 'pacs-error',
    style: 'position:fixed;top:8px;left:50%;transform:translateX(-50%);z-index:10000;max-width:760px;padding:10px 14px;border-radius:6px;background:#5a1414;color:#ffe1e1;box-shadow:0 4px 18px rgba(0,0,0,.5);font:13px/1.45 system-ui,sans-serif',
  }, h('strong', {}, message.title), h('span', {}, ` — ${message.detail}`), reload, close);
  document.body.append(banner);
}

/** Called by the app config's httpErrorHandler. */
export function installHttpErrorHandler(): void {
  (window as unknown as { sharpxrHttpError?: (e: HttpErrorLike) => void }).sharpxrHttpError = showHttpError;
}
