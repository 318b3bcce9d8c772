// Sending a model file to POST /api/models. XMLHttpRequest, not fetch: fetch cannot report
// upload progress, and a 100 MB model over a slow link needs a bar. Once the last byte is
// out the node validates the file (loads it in onnxruntime, checks the contract, runs the
// self-check on a radiograph), which takes seconds; that is a phase of its own on screen.
import { ApiError } from '../../api.js';
import type { Check, Model, ValidationReport } from './model-types.js';

export interface Uploaded {
  readonly model: Model;
  readonly report: ValidationReport;
}

export type UploadPhase =
  | { readonly kind: 'sending'; readonly loaded: number; readonly total: number }
  | { readonly kind: 'validating' };

export interface UploadRequest {
  readonly file: Blob;
  readonly csrfToken: string | null;
  /** Evaluation figures as JSON text (sent as ?metrics=), or empty. */
  readonly metrics?: string;
  readonly onPhase: (phase: UploadPhase) => void;
  readonly signal?: AbortSignal;
}

export function uploadModel(r: UploadRequest): Promise<Uploaded> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const q = r.metrics ? `?metrics=${encodeURIComponent(r.metrics)}` : '';
    xhr.open('POST', `/api/models${q}`);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.setRequestHeader('Accept', 'application/json');
    if (r.csrfToken) xhr.setRequestHeader('X-CSRF-Token', r.csrfToken);
    xhr.upload.onprogress = (e) => r.onPhase({ kind: 'sending', loaded: e.loaded, total: e.lengthComputable ? e.total : r.file.size });
    xhr.upload.onload = () => r.onPhase({ kind: 'validating' });
    xhr.onerror = () => reject(new ApiError(0, 'The node did not answer: it may be stopped or restarting.'));
    xhr.onabort = () => reject(new DOMException('upload cancelled', 'AbortError'));
    xhr.onload = () => {
      const body = parse(xhr.responseText);
      if (xhr.status === 201 && body && 'model' in body) resolve(body as unknown as Uploaded);
      else reject(new ApiError(xhr.status, typeof body?.error === 'string' ? body.error : `${xhr.status} ${xhr.statusText || 'error'}`, body?.detail));
    };
    r.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    r.onPhase({ kind: 'sending', loaded: 0, total: r.file.size });
    xhr.send(r.file);
  });
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The failed checks of a refused upload: the node words a 422 (and a 400 from the 'onnx'
 * check) as one "check: detail" line per failed check in the error's detail.
 */
export function failedChecks(err: ApiError): Check[] {
  if (typeof err.detail !== 'string' || err.detail.trim() === '') return [];
  return err.detail.split('\n').filter(Boolean).map((line) => {
    const m = /^([a-z-]+): ([\s\S]*)$/.exec(line);
    return m ? { name: m[1]!, ok: false, detail: m[2]! } : { name: 'check', ok: false, detail: line };
  });
}

/** What kind of refusal a status is, in a heading a person understands. */
export function refusalTitle(status: number): string {
  switch (status) {
    case 400: return 'Refused: not a model the node can read';
    case 409: return 'Refused: this name and version are already registered';
    case 413: return 'Refused: the file is larger than the node accepts';
    case 415: return 'Refused: the file was not sent as a raw upload';
    case 422: return 'Refused: the model fails validation';
    case 401: return 'Your session ended: sign in again';
    case 403: return 'Uploading models needs the operator role';
    case 0: return 'The upload did not reach the node';
    default: return `The upload failed (${status})`;
  }
}

// The report of an accepted upload is only in the 201 answer; kept for this tab so the
// model's details can show it again after the page reloads.
const REPORT_KEY = 'sharpxr.models.report.';

export function rememberReport(id: string, report: ValidationReport): void {
  try {
    sessionStorage.setItem(REPORT_KEY + id, JSON.stringify(report));
  } catch {
    // Storage full or disabled: the report is simply not shown again.
  }
}

export function recalledReport(id: string): ValidationReport | undefined {
  try {
    const text = sessionStorage.getItem(REPORT_KEY + id);
    return text ? (JSON.parse(text) as ValidationReport) : undefined;
  } catch {
    return undefined;
  }
}
