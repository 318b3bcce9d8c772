// The composition root: typed config -> database -> queue -> model -> listener -> worker ->
// HTTP (with the viewer, its DICOMweb proxy and API when config.viewer.enabled). Nothing else
// in the node constructs these; every other module receives what it needs.
// Start order is chosen so the node never acknowledges an instance it cannot record: the
// database and the model are ready before the DICOM port opens. Stop order is the reverse.
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { NodeConfig } from './config/index.js';
import { createIngestSink, instancePath, migrateDatabase, openDatabase, type Database } from './db/index.js';
import { sendInstance } from './export/index.js';
import { closeHttp, createApp, listenHttp } from './http/app.js';
import { startListener, type IngestSink, type Listener } from './ingest/index.js';
import type { Logger } from './node/logger.js';
import { NodeMetrics } from './node/metrics.js';
import { PrismaDeliveryLog, PrismaJobQueue } from './queue/index.js';
import { parseRules, selectInstance } from './rules/index.js';
import { RuntimeSettings, scheduleLiveRetention } from './settings/index.js';
import { registerDestinationRoutes } from './api/routes/destinations.js';
import { registerRuleRoutes } from './api/routes/rules.js';
import { registerSettingsRoutes } from './api/routes/settings.js';
import { registerAuditRoutes } from './api/routes/audit.js';
import { registerDashboardRoutes } from './api/routes/dashboard.js';
import { registerJobRoutes } from './api/routes/jobs.js';
import { registerStudyRoutes } from './api/routes/studies.js';
import { registerModelRoutes } from './api/routes/models.js';
import { registerTryRoutes } from './api/routes/try.js';
import { registerTrainingRoutes } from './api/routes/training.js';
import { startNodeTraining } from './training/index.js';
import { TryService } from './try/service.js';
import { startNodeModels } from './registry/index.js';
import { ImageRenderer } from './jobs/index.js';
import { createApi } from './api/index.js';
import { createViewerRoutes, registerViewerRoutes } from './viewer/index.js';
import { consoleStatic } from './console/static.js';
import { createHealth } from './worker/health.js';
import { JobWorker } from './worker/job-worker.js';
import { createProcessor, deriveOptions } from './worker/processor.js';

export interface RunningNode {
  readonly config: NodeConfig;
  readonly dicomPort: number;
  readonly httpPort: number;
  readonly provider: string;
  readonly db: Database;
  readonly queue: PrismaJobQueue;
  /** Console-managed destinations, rules and settings over the config file. */
  readonly settings: RuntimeSettings;
  /** Graceful: stop accepting, finish or release jobs, close everything. */
  stop(graceMs?: number): Promise<void>;
}

export async function startNode(fileConfig: NodeConfig, log: Logger): Promise<RunningNode> {
  // A bad rule set in the file stops the start (exit 2) even while the console's replaces it.
  if (fileConfig.rules !== undefined) parseRules(fileConfig.rules);
  const migrated = await migrateDatabase(fileConfig.databaseUrl);
  log.info({ applied: migrated.applied }, 'database ready');
  const db = await openDatabase({ url: fileConfig.databaseUrl });
  const closers: (() => Promise<void>)[] = [() => db.$disconnect()];
  try {
    // The console's settings over the file's: the ones bound at start (ports, AE title,
    // storage folder) apply here; destinations, rules, guard policy and retention stay live.
    const settings = await RuntimeSettings.load(db, fileConfig, log);
    const config = settings.startupConfig;
    const dirs = { store: join(config.dataDir, 'store'), derived: join(config.dataDir, 'derived') };
    await mkdir(dirs.derived, { recursive: true });
    return await startServices(config, log, { db, settings, dirs, closers });
  } catch (err) {
    for (const close of closers.reverse()) await close().catch(() => {});
    throw err;
  }
}

interface Context {
  readonly db: Database;
  readonly settings: RuntimeSettings;
  readonly dirs: { readonly store: string; readonly derived: string };
  readonly closers: (() => Promise<void>)[];
}

async function startServices(config: NodeConfig, log: Logger, ctx: Context): Promise<RunningNode> {
  const { settings } = ctx;
  const metrics = new NodeMetrics();
  // Decode and inference run in a child process: onnxruntime blocks the thread it runs on for
  // seconds per image, and the listener and /health must keep answering meanwhile; a native
  // abort inside onnxruntime kills only the child (restarted, the job retried). One child per
  // model (the registry's active one, loaded now; a shadow or another job's model on demand).
  const models = await startNodeModels(config, ctx.db, log, metrics);
  ctx.closers.push(() => models.close());
  const model = models.current;
  const queue = new PrismaJobQueue(ctx.db, {
    maxAttempts: config.queue.maxAttempts,
    backoff: { baseMs: config.queue.backoffBaseMs, maxMs: config.queue.backoffMaxMs },
  });
  const workerId = `${hostname()}:${process.pid}`;
  const worker = new JobWorker({
    queue, deliveries: new PrismaDeliveryLog(ctx.db),
    instancePath: (id) => instancePath(ctx.db, id),
    process: createProcessor({ config, denoise: models.denoise, derivedDir: ctx.dirs.derived }),
    send: (destination, path) => sendInstance(destination, path, { callingAeTitle: config.dicom.aeTitle, timeoutMs: 60_000, logger: log.child({ destination: destination.name }) }),
    // Read per job (the worker keeps them for the job's duration): console changes apply live.
    get destinations() { return settings.destinations(); },
    get guardPolicy() { return settings.guardPolicy(); },
    log, metrics,
  }, {
    workerId, concurrency: config.processing.concurrency, leaseMs: config.queue.leaseMs, pollMs: config.queue.pollMs,
    outageMs: config.queue.destinationOutageHours * 3_600_000,
  });

  const sink = createIngestSink({
    db: ctx.db, queue,
    select: (instance) => selectInstance(settings.rules(), instance),
    // The registry's active model at the time the instance arrives (and its shadow, if any).
    job: () => models.specs.primary(),
    shadowJob: () => models.specs.shadow(),
    onShadowError: (err, instance) => log.warn({ err, sopInstanceUid: instance.sopInstanceUid }, 'the shadow job could not be queued'),
    onQueued: () => worker.notify(),
  });
  const listener = await startListener({
    aeTitle: config.dicom.aeTitle, host: config.dicom.host, port: config.dicom.port, maxAssociations: config.dicom.maxAssociations,
    allowedCallingAeTitles: config.dicom.allowedCallingAeTitles.length > 0 ? config.dicom.allowedCallingAeTitles : undefined,
    storeDir: ctx.dirs.store, sink: countingSink(sink, metrics), logger: log.child({ component: 'ingest' }),
    onStoreResult: (r) => {
      if (r.status !== 0) metrics.received.inc({ outcome: 'failed' });
      else metrics.stageSeconds.observe({ stage: 'receive' }, r.durationMs / 1000);
    },
  });
  ctx.closers.push(() => listener.close());
  worker.start();
  ctx.closers.push(() => worker.stop());
  // Sweeps only while retentionDays > 0, read at each run (the console can change it).
  const stopSweep = scheduleLiveRetention({ db: ctx.db, storeDir: ctx.dirs.store, derivedDir: ctx.dirs.derived, settings, log });
  ctx.closers.push(async () => stopSweep());
  settings.onChange((change) => log.info({ change: change.kind, ...(change.kind === 'destinations' ? { destinations: change.destinations.map((d) => d.name) } : {}) }, 'console settings applied'));

  const state = { stopping: false };
  const health = createHealth({ config, db: ctx.db, queue, listener, model, state });
  const viewer = config.viewer.enabled ? createViewerRoutes(config.viewer, log) : undefined;
  const { api, auth } = await createApi(config, ctx.db, log, ctx.closers);
  if (viewer) registerViewerRoutes(api, ctx.db);
  registerDestinationRoutes(api, { settings, logger: log.child({ component: 'echo' }) });
  registerRuleRoutes(api, { settings, db: ctx.db });
  registerSettingsRoutes(api, { settings });
  // The console's operational pages; images decode in a worker thread (closed with the node).
  const images = new ImageRenderer();
  ctx.closers.push(() => images.close());
  registerStudyRoutes(api, { db: ctx.db, derivedDir: ctx.dirs.derived });
  registerJobRoutes(api, { db: ctx.db, queue, images, notify: () => worker.notify() });
  registerDashboardRoutes(api, { db: ctx.db, dataDir: config.dataDir, model: () => model.info, node: () => ({ aeTitle: config.dicom.aeTitle, port: listener.port }) });
  registerAuditRoutes(api, { db: ctx.db });
  registerModelRoutes(api, { registry: models.registry });
  // Try it's fallback runs the registry's models in the same pipeline children as the jobs.
  const tryService = new TryService({
    registry: models.registry, pool: models.pool, guard: config.processing.guard, derive: deriveOptions(config),
    tiling: { tile: config.inference.tile, overlap: config.inference.overlap, batch: config.inference.batch },
  });
  ctx.closers.push(() => tryService.close());
  registerTryRoutes(api, { service: tryService });
  // Training runs: a queued or interrupted run a previous node left is picked up here.
  const training = await startNodeTraining({ dataDir: config.dataDir, db: ctx.db, registry: models.registry, log });
  ctx.closers.push(() => training.close());
  registerTrainingRoutes(api, { training });
  const app = createApp({
    health, metrics, log, beforeScrape: () => refreshQueueGauge(queue, metrics), auth,
    publicMetrics: config.http.auth.publicMetrics, trustProxy: config.http.trustProxy,
    // The console last: its SPA fallback answers page URLs the routers before it do not know.
    mounts: [{ path: '/api', handler: api.router() }, ...(viewer?.mounts ?? []), { path: '/', handler: consoleStatic() }],
  });
  const http = await listenHttp(app, config.http.host, config.http.port);
  ctx.closers.push(() => closeHttp(http));
  // Again before the HTTP server (close() runs once): its SSE streams would hold server.close().
  ctx.closers.push(() => training.close());
  // Closed before the HTTP server (closers run in reverse): a frame stream from a stalled PACS
  // would otherwise hold server.close() open until its idle timeout.
  if (viewer) ctx.closers.push(() => viewer.close());
  const destinations = settings.destinations();
  if (destinations.length === 0) {
    log.warn({ derivedDir: ctx.dirs.derived }, 'no destinations configured: derived objects are kept on disk only (add destinations in the console or the config file)');
  }
  log.info({ aeTitle: config.dicom.aeTitle, dicomPort: listener.port, httpPort: httpPort(http), provider: model.info.provider, destinations: destinations.map((d) => d.name), dicomWebUrl: viewer ? config.viewer.dicomWebUrl : undefined }, 'SharpXR node started');
  return {
    config, dicomPort: listener.port, httpPort: httpPort(http), provider: model.info.provider, db: ctx.db, queue, settings,
    stop: (graceMs) => stopAll(ctx.closers, listener, worker, state, log, graceMs),
  };
}

/** Counts what the sink decided; failures are counted from the listener's answers. */
function countingSink(sink: IngestSink, metrics: NodeMetrics): IngestSink {
  return {
    async record(instance) {
      const outcome = await sink.record(instance);
      metrics.received.inc({ outcome: outcome.kind });
      return outcome;
    },
  };
}

async function refreshQueueGauge(queue: PrismaJobQueue, metrics: NodeMetrics): Promise<void> {
  const counts = await queue.counts();
  for (const [state, n] of Object.entries(counts)) metrics.queueDepth.set({ state }, n);
}

function httpPort(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

async function stopAll(closers: (() => Promise<void>)[], listener: Listener, worker: JobWorker, state: { stopping: boolean }, log: Logger, graceMs = 30_000): Promise<void> {
  if (state.stopping) return;
  state.stopping = true;
  log.info({}, 'stopping: no new associations; finishing jobs in flight');
  await listener.close(graceMs);
  await worker.stop(graceMs);
  for (const close of closers.reverse()) await close().catch((err) => log.warn({ err }, 'close failed'));
  log.info({}, 'stopped');
}
