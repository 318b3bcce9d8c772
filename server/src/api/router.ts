// The API router: every /api route is declared once with its zod schemas and least role, and
// that one declaration drives validation, authorisation, CSRF, body parsing, the audit helper
// and the OpenAPI document (openapi.ts). Handlers return their JSON body or throw HttpError;
// the app's one error handler (http/errors.ts) turns failures into statuses.
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { z } from 'zod';
import type { Authenticator, AuthUser, Role } from '../auth/index.js';
import type { Database } from '../db/index.js';
import { HttpError, notFound } from '../http/errors.js';
import { auditFor, type AuditFn } from './audit.js';
import { openApiDocument, type OpenApiInfo } from './openapi.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteContext<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  /** The parsed JSON body, or the raw bytes (Buffer) of an `upload` route. */
  readonly body: B;
  /** Set on every route that is not 'public' (and on public ones when the caller is logged in). */
  readonly user: AuthUser;
  readonly ip: string;
  readonly req: Request;
  readonly res: Response;
  readonly audit: AuditFn;
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;
type BodyOf<B, U> = B extends z.ZodType ? z.output<B> : U extends UploadSpec ? Buffer : undefined;

export interface UploadSpec {
  readonly limitBytes: number;
  /** Accepted Content-Types (e.g. 'application/octet-stream', 'image/png'). */
  readonly types: readonly string[];
}

export interface RouteSpec<P extends z.ZodType | undefined, Q extends z.ZodType | undefined, B extends z.ZodType | undefined, U extends UploadSpec | undefined> {
  readonly method: Method;
  /** Express path under /api, e.g. '/jobs/:id/retry'. */
  readonly path: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  /** The least role; 'public' needs no login. */
  readonly role: Role | 'public';
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /** JSON body limit (default 256 kB). */
  readonly bodyLimitBytes?: number;
  readonly upload?: U;
  /** The 2xx body, for the OpenAPI document. */
  readonly response?: z.ZodType;
  /** Content type of a non-JSON answer (raw routes), for the OpenAPI document. */
  readonly produces?: string;
  readonly status?: number;
  /** The handler writes the response itself (files, images, server-sent events). */
  readonly raw?: boolean;
  handler(ctx: RouteContext<Out<P>, Out<Q>, BodyOf<B, U>>): Promise<unknown>;
}

// The spec as stored, its types erased (each was checked where it was declared).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any, any, any>;

export class ApiRouter {
  private readonly routes: AnyRoute[] = [];

  constructor(private readonly deps: { readonly auth: Authenticator; readonly db: Database; readonly info: OpenApiInfo }) {}

  route<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined, U extends UploadSpec | undefined = undefined>(spec: RouteSpec<P, Q, B, U>): void {
    if (this.routes.some((r) => r.method === spec.method && r.path === spec.path)) throw new Error(`route declared twice: ${spec.method.toUpperCase()} ${spec.path}`);
    this.routes.push(spec as AnyRoute);
  }

  get declared(): readonly AnyRoute[] {
    return this.routes;
  }

  openApi(): Record<string, unknown> {
    return openApiDocument(this.routes, this.deps.info);
  }

  /** The express router to mount at /api. */
  router(): Router {
    const r = express.Router();
    r.get('/openapi.json', (_req, res) => {
      res.json(this.openApi());
    });
    for (const spec of this.routes) r[spec.method](spec.path, ...this.handlers(spec));
    r.use((req) => {
      throw notFound(`no API route ${req.method} ${req.baseUrl}${req.path}`);
    });
    return r;
  }

  private handlers(spec: AnyRoute): RequestHandler[] {
    const authorize: RequestHandler = async (req, res, next) => {
      res.locals.user = spec.role === 'public' ? await this.deps.auth.identify(req).catch(() => undefined) : await this.authorize(req, spec);
      next();
    };
    return [authorize, ...bodyParser(spec), async (req, res) => this.run(spec, req, res)];
  }

  private async authorize(req: Request, spec: AnyRoute): Promise<AuthUser> {
    try {
      return await this.deps.auth.authorize(req, spec.role as Role);
    } catch (err) {
      // A logged-in user refused is worth a row; anonymous 401s are only noise.
      if (err instanceof HttpError && err.status === 403) {
        const user = await this.deps.auth.identify(req).catch(() => undefined);
        if (user) await auditFor(this.deps.db, user, clientIp(req))('auth.denied', `route:${spec.method.toUpperCase()} ${spec.path}`, { reason: err.message }, 'denied');
      }
      throw err;
    }
  }

  private async run(spec: AnyRoute, req: Request, res: Response): Promise<void> {
    const user = res.locals.user as AuthUser;
    const ip = clientIp(req);
    const ctx: RouteContext<unknown, unknown, unknown> = {
      params: spec.params ? spec.params.parse(req.params) : undefined,
      query: spec.query ? spec.query.parse(req.query) : undefined,
      body: spec.body ? spec.body.parse(req.body ?? {}) : spec.upload ? req.body : undefined,
      user, ip, req, res, audit: auditFor(this.deps.db, user, ip),
    };
    const result = await spec.handler(ctx as never);
    if (spec.raw || res.headersSent) return;
    if (result === undefined) res.status(204).end();
    else res.status(spec.status ?? 200).json(result);
  }
}

function bodyParser(spec: AnyRoute): RequestHandler[] {
  if (spec.upload) {
    const { types, limitBytes } = spec.upload;
    return [
      (req, _res, next) => {
        if (!req.is([...types])) throw new HttpError(415, `body: send the file as ${types.join(' or ')}`);
        next();
      },
      express.raw({ type: [...types], limit: limitBytes }),
    ];
  }
  if (!spec.body) return [];
  return [
    (req, _res, next) => {
      // express.json skips other types and leaves no body: say why instead of "field required".
      // Requiring JSON also keeps cross-site forms out (they cannot send it without a preflight).
      if (hasBody(req) && !req.is('application/json')) throw new HttpError(415, 'body: send Content-Type: application/json');
      next();
    },
    express.json({ limit: spec.bodyLimitBytes ?? 256 * 1024 }),
  ];
}

function hasBody(req: Request): boolean {
  return req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;
}

/** The client's address as Express sees it (honours the app's `trust proxy` setting). */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
