// /dicom-web/* -> the PACS's DICOMweb root. Orthanc's DICOMweb plugin sends no CORS headers, so
// OHIF must reach it on the node's own origin. Bodies stream both ways (a study's frames can be
// hundreds of MB); nothing is buffered. Whatever the PACS does — refuses, stalls, resets mid-
// body — costs that one request a 502/504 or a cut connection, never the node.
import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { NextFunction, Request, Response } from 'express';
import type { BasicCredentials } from '../config/index.js';
import { HttpError } from '../http/errors.js';
import type { Logger } from '../node/logger.js';
import { pathOf, safeSegments } from './safe-path.js';

export interface DicomWebProxyOptions {
  /** DICOMweb root without credentials, e.g. http://127.0.0.1:8042/dicom-web. */
  readonly target: string;
  readonly credentials?: BasicCredentials | undefined;
  /** Connect and idle timeout. */
  readonly timeoutMs: number;
  readonly log: Logger;
}

export interface DicomWebProxy {
  readonly handle: (req: Request, res: Response, next: NextFunction) => void;
  /** Closes the pooled connections to the PACS. */
  close(): void;
}

// Read only: the viewer queries and retrieves. STOW-RS (POST) with the node's own credentials
// would let anyone who reaches the node's HTTP port write into the PACS.
const METHODS = new Set(['GET', 'HEAD']);
/** Request headers the PACS needs; everything else (cookies, the browser's own auth) stays here. */
const FORWARDED_REQUEST = ['accept', 'accept-encoding', 'range', 'if-range', 'if-none-match', 'if-modified-since', 'content-type', 'content-length'];
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

class ProxyTimeout extends Error {
  override name = 'ProxyTimeout';
}

export function createDicomWebProxy(o: DicomWebProxyOptions): DicomWebProxy {
  const target = new URL(o.target);
  const transport = target.protocol === 'https:' ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 32 });
  const authorization = o.credentials
    ? `Basic ${Buffer.from(`${o.credentials.username}:${o.credentials.password}`, 'utf8').toString('base64')}`
    : undefined;
  const handle = (req: Request, res: Response, next: NextFunction): void => {
    if (!METHODS.has(req.method)) {
      res.setHeader('Allow', [...METHODS].join(', '));
      next(new HttpError(405, `method ${req.method} is not proxied to the PACS`));
      return;
    }
    safeSegments(pathOf(req.url)); // throws 400: Express 5 forwards it to the error handler
    forward(req, res, next, { target, transport, agent, authorization, timeoutMs: o.timeoutMs, log: o.log });
  };
  return { handle, close: () => agent.destroy() };
}

interface Upstream {
  readonly target: URL;
  readonly transport: typeof http | typeof https;
  readonly agent: http.Agent;
  readonly authorization: string | undefined;
  readonly timeoutMs: number;
  readonly log: Logger;
}

function forward(req: Request, res: Response, next: NextFunction, u: Upstream): void {
  const path = pathOf(req.originalUrl);
  const state = { failed: false, clientGone: false, upstream: undefined as http.ClientRequest | undefined };
  const fail = (err: Error, during: string): void => {
    if (state.failed || state.clientGone) return;
    state.failed = true;
    const status = err instanceof ProxyTimeout ? 504 : 502;
    // The path only: the query string of a QIDO search may carry patient identifiers.
    u.log.warn({ path, method: req.method, status, during, error: (err as NodeJS.ErrnoException).code ?? err.message }, 'DICOMweb proxy: the PACS request failed');
    if (res.headersSent) res.destroy();
    else next(new HttpError(status, status === 504 ? 'the PACS did not answer in time' : 'the PACS cannot be reached', describe(err, u)));
  };
  const send = (retried: boolean): void => {
    const upstream = u.transport.request({
      protocol: u.target.protocol, hostname: u.target.hostname, port: u.target.port || undefined,
      method: req.method, path: u.target.pathname + req.url, agent: u.agent,
      headers: requestHeaders(req, u.authorization), timeout: u.timeoutMs,
    });
    state.upstream = upstream;
    upstream.on('timeout', () => upstream.destroy(new ProxyTimeout(`no answer within ${u.timeoutMs} ms`)));
    upstream.on('error', (err) => {
      if (!retried && !res.headersSent && staleSocket(upstream, err)) send(true);
      else fail(err, res.headersSent ? 'body' : 'request');
    });
    upstream.on('response', (answer) => relay(answer, res, u, (err) => fail(err, 'body')));
    upstream.end(); // GET and HEAD only: a body the browser might send is not passed on
  };
  // The browser went away (closed tab, cancelled frame): stop pulling from the PACS.
  res.on('close', () => {
    if (res.writableFinished) return;
    state.clientGone = true;
    state.upstream?.destroy();
  });
  send(false);
}

/**
 * A pooled keep-alive connection the PACS closed just as it was reused (Orthanc 1.10 closes
 * idle ones after 1 s): the request never reached it, and GET/HEAD are safe to send again once.
 */
function staleSocket(upstream: http.ClientRequest, err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return upstream.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE');
}

function relay(answer: IncomingMessage, res: Response, u: Upstream, onError: (err: Error) => void): void {
  res.writeHead(answer.statusCode ?? 502, responseHeaders(answer.headers, u.authorization !== undefined));
  answer.on('error', onError);
  answer.on('aborted', () => onError(new Error('the PACS closed the connection mid-answer')));
  answer.pipe(res);
}

function requestHeaders(req: Request, authorization: string | undefined): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const name of FORWARDED_REQUEST) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  if (authorization) headers.authorization = authorization;
  else if (req.headers.authorization) headers.authorization = req.headers.authorization;
  const forwarded = forwardedHeader(req);
  if (forwarded) headers.forwarded = forwarded;
  return headers;
}

/**
 * RFC 7239 `Forwarded: host=<the browser's Host>;proto=http|https`. Orthanc's DICOMweb plugin
 * builds the absolute RetrieveURL / BulkDataURI of its answers from it, so they point back at
 * this node rather than at a PACS port the browser cannot reach. The host is sent unquoted
 * although the RFC quotes host:port: Orthanc 1.10 / DICOMweb 1.7 keeps quotes as part of the
 * host (measured: `host="h:1"` gives BulkDataURIs starting `https://"`), and ignores
 * X-Forwarded-Host altogether. A Host with anything but host-name characters is not passed on.
 */
export function forwardedHeader(req: Request): string | undefined {
  const host = req.headers.host;
  if (!host || !/^[A-Za-z0-9.\-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/.test(host)) return undefined;
  // req.protocol is "https" only when this socket is TLS ("trust proxy" is off).
  return `host=${host};proto=${req.protocol === 'https' ? 'https' : 'http'}`;
}

function responseHeaders(headers: IncomingHttpHeaders, ownCredentials: boolean): OutgoingHttpHeaders {
  const listed = new Set(String(headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim()));
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
    // With our own credentials a browser login prompt could not help: the node replaces what it types.
    if (ownCredentials && name === 'www-authenticate') continue;
    out[name] = value;
  }
  return out;
}

function describe(err: Error, u: Upstream): string {
  const code = (err as NodeJS.ErrnoException).code;
  return `${u.target.protocol}//${u.target.host}${u.target.pathname}: ${code ? `${code} ` : ''}${err.message}`.trim();
}
