// The node's one HTTP error handler and the errors handlers throw. Every failure a client can
// cause becomes a status and a message naming what was wrong; anything else is a 500 that is
// logged. API clients get JSON {error, detail?}; a browser navigating (Accept: text/html)
// outside /api gets a short page instead.
import type { NextFunction, Request, Response } from 'express';
import { ZodError } from 'zod';
import type { Logger } from '../node/logger.js';

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(readonly status: number, message: string, readonly detail?: string, readonly headers?: Readonly<Record<string, string>>) {
    super(message);
  }
}

export const badRequest = (message: string): HttpError => new HttpError(400, message);
export const notFound = (message: string): HttpError => new HttpError(404, message);
export const conflict = (message: string): HttpError => new HttpError(409, message);
export const unauthorized = (message = 'log in first (or send an API token)'): HttpError => new HttpError(401, message);
export const forbidden = (message: string): HttpError => new HttpError(403, message);

interface ErrorBody {
  readonly status: number;
  readonly error: string;
  readonly detail?: string | undefined;
}

export function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) {
      // Mid-stream: a status can no longer be sent; cutting the connection tells the client.
      res.destroy();
      return;
    }
    const body = toErrorBody(err);
    if (body.status >= 500 && !(err instanceof HttpError)) {
      log.error({ err: err instanceof Error ? err.message : String(err), path: req.path }, 'http handler failed');
    }
    res.status(body.status);
    if (err instanceof HttpError && err.headers) res.set(err.headers);
    if (wantsHtml(req)) res.type('html').send(htmlPage(`${body.status} ${body.error}`, body.detail ?? ''));
    else res.json(body.detail === undefined ? { error: body.error } : { error: body.error, detail: body.detail });
  };
}

function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof HttpError) return { status: err.status, error: err.message, detail: err.detail };
  if (err instanceof ZodError) return { status: 400, error: zodMessage(err) };
  const e = err as { status?: unknown; type?: unknown; message?: unknown; limit?: unknown } | null;
  // body-parser and serve-static errors carry a 4xx status of their own.
  if (e && e.type === 'entity.parse.failed') return { status: 400, error: 'body: not valid JSON' };
  if (e && e.type === 'entity.too.large') {
    return { status: 413, error: `body: larger than ${typeof e.limit === 'number' ? `${e.limit} bytes` : 'the limit'}` };
  }
  if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return { status: e.status, error: typeof e.message === 'string' ? e.message : 'bad request' };
  }
  return { status: 500, error: 'internal error' };
}

/** "verdict: Invalid option: expected one of "accept"|"reject"" — the first issue, by field path. */
export function zodMessage(err: ZodError): string {
  return err.issues.slice(0, 3).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
    const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    return `${path}: ${issue.message}${keys}`;
  }).join('; ');
}

function wantsHtml(req: Request): boolean {
  return !req.originalUrl.startsWith('/api/') && req.accepts(['json', 'html']) === 'html';
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A minimal standalone page; `html` is trusted markup, everything else is escaped. */
export function htmlPage(title: string, text: string, html = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    '<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}code{background:#eee;padding:.1em .3em}</style>' +
    `</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${html}</body></html>\n`;
}
