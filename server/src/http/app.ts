// The node's HTTP side: GET /health for load balancers and monitoring, GET /metrics for
// Prometheus, and whatever routers the composition root mounts (the viewer, its DICOMweb proxy
// and API: server/src/viewer/). Express 5 forwards rejected promises from async handlers to
// the one error handler (errors.ts), so handlers stay plain async functions that throw.
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Authenticator, Role } from '../auth/index.js';
import type { Server } from 'node:http';
import type { Logger } from '../node/logger.js';
import type { NodeMetrics } from '../node/metrics.js';
import { errorHandler, notFound } from './errors.js';

export interface HealthReport {
  /** 'ok' answers 200; anything else 503, so a balancer stops sending work. */
  readonly status: 'ok' | 'starting' | 'degraded' | 'stopping';
  readonly checks: Readonly<Record<string, { ok: boolean; detail?: string }>>;
  readonly [extra: string]: unknown;
}

export interface HttpDeps {
  readonly health: () => Promise<HealthReport>;
  readonly metrics: NodeMetrics;
  /** Called before each scrape to refresh gauges that are read, not counted (queue depth). */
  readonly beforeScrape?: () => Promise<void>;
  readonly log: Logger;
  /** Routers mounted after /health and /metrics, in order. */
  readonly mounts?: readonly HttpMount[];
  /** Checks logins for mounts with a role and for /metrics when it is not public. */
  readonly auth?: Authenticator;
  /** GET /metrics without a login (default true). */
  readonly publicMetrics?: boolean;
  /** Express `trust proxy` (a TLS proxy in front: client IPs and HTTPS are taken from its headers). */
  readonly trustProxy?: boolean | string;
}

export interface HttpMount {
  readonly path: string;
  readonly handler: Router | RequestHandler;
  /** Needs a login with at least this role (checked by HttpDeps.auth before the handler). */
  readonly role?: Role;
}

export function createApp(deps: HttpDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  const guard = (role: Role): RequestHandler => {
    if (!deps.auth) throw new Error('a mount needs a login but createApp got no Authenticator');
    return deps.auth.guard(role);
  };
  app.get('/health', async (_req, res) => {
    const report = await deps.health();
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });
  app.get('/metrics', ...(deps.publicMetrics === false ? [guard('viewer')] : []), async (_req: Request, res: Response) => {
    await deps.beforeScrape?.();
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  for (const mount of deps.mounts ?? []) {
    if (mount.role) app.use(mount.path, guard(mount.role), mount.handler);
    else app.use(mount.path, mount.handler);
  }
  app.use((req) => {
    throw notFound(`no route ${req.method} ${req.path}`);
  });
  app.use(errorHandler(deps.log));
  return app;
}

export async function listenHttp(app: express.Express, host: string, port: number): Promise<Server> {
  return new Promise((resolvePromise, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolvePromise(server)));
    server.once('error', reject);
  });
}

export async function closeHttp(server: Server): Promise<void> {
  server.closeIdleConnections();
  await new Promise<void>((resolvePromise) => server.close(() => resolvePromise()));
}
