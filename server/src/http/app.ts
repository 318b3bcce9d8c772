// The node's HTTP side: GET /health for load balancers and monitoring, GET /metrics for
// Prometheus, and whatever routers the composition root mounts (the viewer, its DICOMweb proxy
// and API: server/src/viewer/). Express 5 forwards rejected promises from async handlers to
// the one error handler (errors.ts), so handlers stay plain async functions that throw.
import express, { type RequestHandler, type Router } from 'express';
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
}

export interface HttpMount {
  readonly path: string;
  readonly handler: Router | RequestHandler;
}

export function createApp(deps: HttpDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/health', async (_req, res) => {
    const report = await deps.health();
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });
  app.get('/metrics', async (_req, res) => {
    await deps.beforeScrape?.();
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  for (const mount of deps.mounts ?? []) app.use(mount.path, mount.handler);
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
