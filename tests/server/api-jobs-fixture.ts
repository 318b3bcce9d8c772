// The console's operational routes in process (api-studies*, api-jobs*, api-dashboard*,
// api-audit* tests): the real ApiRouter, auth and a migrated SQLite database (api-fixture.ts),
// the studies/jobs/dashboard/audit routes registered as main.ts does, and the real DICOM
// listener with the node's ingest sink and queue, so instances arrive by DCMTK storescu.
// Job states are then moved with the queue's own calls (claim, complete, fail), as the worker
// would; the console e2e (tests/console/studies-jobs-e2e.test.ts) runs the real worker end to end.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { registerAuditRoutes } from '../../server/src/api/routes/audit.js';
import { registerDashboardRoutes } from '../../server/src/api/routes/dashboard.js';
import { registerJobRoutes } from '../../server/src/api/routes/jobs.js';
import { registerStudyRoutes } from '../../server/src/api/routes/studies.js';
import { createIngestSink, type Database } from '../../server/src/db/index.js';
import { startListener, type Listener } from '../../server/src/ingest/index.js';
import { ImageRenderer, type ImageRendererOptions } from '../../server/src/jobs/index.js';
import { PrismaJobQueue, type JobResult } from '../../server/src/queue/index.js';
import { DEFAULT_RULES, selectInstance } from '../../server/src/rules/index.js';
import { storescu, writeStorescuConfig, type StorescuConfig } from '../helpers/dcmtk.js';
import { openMigratedDb, startApiApp, type ApiApp, type Client } from './api-fixture.js';
import { dcmtk } from './dicom-builders.js';
import { ROOT } from './helpers.js';

export const FIXTURE = join(ROOT, 'tests', 'fixtures', 'dicom', 'CR-MONO1-10-chest_dcmbench_explicitLE.dcm');
export const MODEL = { modelId: 'sharpxr-test', modelVersion: '1.0.0', paramsHash: 'p1' } as const;

export interface OpsApp {
  readonly app: ApiApp;
  readonly db: Database;
  readonly queue: PrismaJobQueue;
  readonly images: ImageRenderer;
  readonly dir: string;
  readonly derivedDir: string;
  /** storescu the files to the listener (each in its own transfer syntax); asserts success. */
  send(files: readonly string[]): Promise<void>;
  /** How often the worker was woken (JobActions' notify). */
  readonly notified: { count: number };
  close(): Promise<void>;
}

export interface OpsAppOptions {
  readonly images?: ImageRendererOptions;
  /** Clock for the dashboard (default: the system clock). */
  readonly now?: () => Date;
}

export async function startOpsApp(dir: string, o: OpsAppOptions = {}): Promise<OpsApp> {
  const db = await openMigratedDb(dir);
  const queue = new PrismaJobQueue(db, { maxAttempts: 3 });
  const images = new ImageRenderer(o.images);
  const derivedDir = join(dir, 'derived');
  mkdirSync(derivedDir, { recursive: true });
  const notified = { count: 0 };
  const app = await startApiApp({
    dir, db,
    register: (api) => {
      registerStudyRoutes(api, { db, derivedDir });
      registerJobRoutes(api, { db, queue, images, notify: () => notified.count++ });
      registerDashboardRoutes(api, { db, dataDir: dir, model: () => ({ provider: 'cpu', ...MODEL }), ...(o.now ? { now: o.now } : {}) });
      registerAuditRoutes(api, { db });
    },
  });
  const sink = createIngestSink({ db, queue, select: (i) => selectInstance(DEFAULT_RULES, i), job: () => MODEL });
  const listener: Listener = await startListener({ aeTitle: 'SHARPXR', port: 0, host: '127.0.0.1', storeDir: join(dir, 'store'), sink });
  const config: StorescuConfig = writeStorescuConfig(join(dir, 'cfg'));
  return {
    app, db, queue, images, dir, derivedDir, notified,
    async send(files) {
      const r = await storescu({ host: '127.0.0.1', port: listener.port, aeTitle: 'SHARPXR' }, files, { config });
      assert.equal(r.code, 0, r.stderr);
    },
    async close() {
      await listener.close();
      await images.close();
      await app.close();
      await db.$disconnect();
    },
  };
}

let copies = 0;

/** A copy of the fixture radiograph as another instance (and study), with DCMTK dcmodify edits. */
export function fixtureCopy(dir: string, edits: { study?: string; patientId?: string; accession?: string; studyDate?: string; bodyPart?: string } = {}): { path: string; sop: string } {
  const n = ++copies;
  const sop = `1.2.826.0.1.3680043.8.498.${process.pid}.${n}`;
  const path = join(dir, `copy-${n}.dcm`);
  copyFileSync(FIXTURE, path);
  const args = ['-nb', '-i', `(0008,0018)=${sop}`];
  if (edits.study) args.push('-i', `(0020,000D)=${edits.study}`);
  if (edits.patientId !== undefined) args.push('-i', `(0010,0020)=${edits.patientId}`);
  if (edits.accession !== undefined) args.push('-i', `(0008,0050)=${edits.accession}`);
  if (edits.studyDate !== undefined) args.push('-i', `(0008,0020)=${edits.studyDate}`);
  if (edits.bodyPart !== undefined) args.push('-i', `(0018,0015)=${edits.bodyPart}`);
  dcmtk('dcmodify', [...args, path]);
  return { path, sop };
}

/** GET/POST as `client`, asserting the status, and parsing the body with the route's schema if given. */
export async function call<T = unknown>(client: Client, path: string, status: number, init: RequestInit & { json?: unknown } = {}, schema?: z.ZodType<T>): Promise<T> {
  const res = await client.fetch(path, init);
  const text = await res.text();
  assert.equal(res.status, status, `${init.method ?? 'GET'} ${path}: ${res.status} ${text}`);
  const body = text && res.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as unknown) : text;
  return (schema ? schema.parse(body) : body) as T;
}

export function errorOf(body: unknown): string {
  return (body as { error?: string }).error ?? '';
}

/** The job of an instance (the one the ingest sink queued). */
export async function jobOf(db: Database, sop: string) {
  const job = await db.job.findFirst({ where: { sopInstanceUid: sop } });
  assert.ok(job, `a job for ${sop}`);
  return job;
}

/**
 * Moves a queued job through claim -> complete as the worker does after processing it, taking
 * as long as its timings say (a job's timeline places its stages before finishedAt).
 */
export async function finish(queue: PrismaJobQueue, jobId: string, result: Partial<JobResult> = {}, beforeComplete?: () => Promise<unknown>): Promise<void> {
  const claimed = await claimJob(queue, jobId);
  const timingsMs = result.timingsMs ?? { readMs: 1, decodeMs: 4, normalizeMs: 1, inferMs: 40, guardMs: 2, denormalizeMs: 1, encodeMs: 3, exportMs: 8, totalMs: 60 };
  await new Promise((r) => setTimeout(r, timingsMs.totalMs ?? 0));
  await beforeComplete?.();
  await queue.complete(claimed, 'test-worker', {
    derivedSopInstanceUid: `2.25.${Date.now()}${copies}`, derivedSeriesInstanceUid: '2.25.77', derivedPath: '/nonexistent/derived.dcm',
    guardClippedFraction: 0.001, guardMaxChange: 12, guardFlagged: false, held: false, ...result, timingsMs,
  });
}

/** Claims until the wanted job is the one claimed (others are given back untouched). */
export async function claimJob(queue: PrismaJobQueue, jobId: string): Promise<string> {
  const others: string[] = [];
  try {
    for (;;) {
      const job = await queue.claim('test-worker', 60_000);
      assert.ok(job, `job ${jobId} is claimable`);
      if (job.id === jobId) return job.id;
      others.push(job.id);
    }
  } finally {
    for (const id of others) await queue.release(id, 'test-worker');
  }
}

/** Claims and fails the job at once (not retryable): it is dead-lettered. */
export async function killJob(queue: PrismaJobQueue, jobId: string, error = 'MalformedDicomError: test'): Promise<void> {
  await queue.fail(await claimJob(queue, jobId), 'test-worker', error, { retryable: false });
}
