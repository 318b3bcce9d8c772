// The dashboard's figures, from the database: per hour over the window, instances received,
// jobs processed (primary and reprocess jobs finished exported), shadow results kept, jobs
// failing now (failed, by their last update), dead-letters (from the audit trail, so a dead
// job retried since still counts when it died) and guard trips; the queue by state; median
// stage latencies from the jobs' recorded timings; the model and execution provider running;
// the data folder's disk; the DICOM address images are sent to. Shadow jobs are a second run
// of an instance by a candidate model: counted apart, so "processed" never exceeds what came
// in, and left out of the guard trips and latencies, which describe what the PACS receives.
import { statfs } from 'node:fs/promises';
import { Prisma } from '@prisma/client';
import type { Database } from '../db/index.js';
import { JOB_STATES } from '../queue/index.js';

export interface DashboardDeps {
  readonly db: Database;
  /** The running pipeline's model and execution provider. */
  readonly model: () => { readonly provider: string; readonly modelId: string; readonly modelVersion: string };
  /** Where the node keeps its files (its disk is the one that fills). */
  readonly dataDir: string;
  /** Where modalities send images (the empty dashboard tells a new admin how). */
  readonly node?: () => { readonly aeTitle: string; readonly port: number };
  readonly now?: () => Date;
}

export interface HourPoint {
  readonly t: string;
  readonly received: number;
  readonly processed: number;
  readonly failed: number;
  readonly dead: number;
  readonly shadow: number;
  /** Primary jobs the guard flagged, by when they finished. */
  readonly guard: number;
}

export interface Dashboard {
  readonly hours: number;
  readonly series: HourPoint[];
  readonly queue: Record<string, number>;
  readonly guardTrips: number;
  readonly stageLatencyMs: Record<string, number>;
  /** How many finished jobs the medians come from. */
  readonly latencySamples: number;
  readonly provider: string;
  readonly model: { readonly name: string; readonly version: string };
  readonly disk: { readonly path: string; readonly usedBytes: number; readonly freeBytes: number; readonly totalBytes: number };
  /** Instances ever received (0: a new node, whatever the window). */
  readonly totalReceived: number;
  readonly node: { readonly aeTitle: string; readonly port: number } | null;
}

const HOUR_MS = 3_600_000;
/** Medians come from at most this many of the window's newest jobs (enough, and bounded). */
const MAX_TIMING_SAMPLES = 5000;

export async function dashboard(deps: DashboardDeps, hours: number): Promise<Dashboard> {
  const now = deps.now?.() ?? new Date();
  const start = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - (hours - 1) * HOUR_MS);
  const [series, queue, latency, disk, totalReceived] = await Promise.all([
    hourly(deps.db, start, hours), queueCounts(deps.db), stageMedians(deps.db, start), diskOf(deps.dataDir), deps.db.instance.count(),
  ]);
  const m = deps.model();
  return {
    hours, series, queue, guardTrips: series.reduce((n, p) => n + p.guard, 0), stageLatencyMs: latency.medians, latencySamples: latency.samples,
    provider: m.provider, model: { name: m.modelId, version: m.modelVersion }, disk, totalReceived, node: deps.node?.() ?? null,
  };
}

interface Bucket {
  h: string;
  n: bigint | number;
}

async function hourly(db: Database, start: Date, hours: number): Promise<HourPoint[]> {
  const hour = (column: Prisma.Sql) => Prisma.sql`strftime('%Y-%m-%dT%H:00:00.000Z', ${column})`;
  const count = (sql: Prisma.Sql) => db.$queryRaw<Bucket[]>(sql);
  const finished = hour(Prisma.sql`"finishedAt"`);
  const rows = await Promise.all([
    count(Prisma.sql`SELECT ${hour(Prisma.sql`"receivedAt"`)} AS h, COUNT(*) AS n FROM "Instance" WHERE "receivedAt" >= ${start} GROUP BY h`),
    count(Prisma.sql`SELECT ${finished} AS h, COUNT(*) AS n FROM "Job" WHERE "finishedAt" >= ${start} AND "state" = 'exported' AND "role" <> 'shadow' GROUP BY h`),
    count(Prisma.sql`SELECT ${hour(Prisma.sql`"updatedAt"`)} AS h, COUNT(*) AS n FROM "Job" WHERE "updatedAt" >= ${start} AND "state" = 'failed' GROUP BY h`),
    count(Prisma.sql`SELECT ${hour(Prisma.sql`"at"`)} AS h, COUNT(*) AS n FROM "AuditEvent" WHERE "at" >= ${start} AND "action" = 'job.dead-lettered' GROUP BY h`),
    count(Prisma.sql`SELECT ${finished} AS h, COUNT(*) AS n FROM "Job" WHERE "finishedAt" >= ${start} AND "state" = 'kept' GROUP BY h`),
    count(Prisma.sql`SELECT ${finished} AS h, COUNT(*) AS n FROM "Job" WHERE "finishedAt" >= ${start} AND "guardFlagged" = 1 AND "role" <> 'shadow' GROUP BY h`),
  ]);
  const maps = rows.map((r) => new Map(r.map((b) => [b.h, Number(b.n)])));
  return Array.from({ length: hours }, (_, i) => {
    const t = new Date(start.getTime() + i * HOUR_MS).toISOString();
    const [received, processed, failed, dead, shadow, guard] = maps.map((m) => m.get(t) ?? 0) as [number, number, number, number, number, number];
    return { t, received, processed, failed, dead, shadow, guard };
  });
}

/** Every job state (zero when none), 'kept' included, and whatever else the table holds. */
async function queueCounts(db: Database): Promise<Record<string, number>> {
  const counts: Record<string, number> = Object.fromEntries([...JOB_STATES, 'kept'].map((s) => [s, 0]));
  const groups = await db.job.groupBy({ by: ['state'], _count: { _all: true } });
  for (const g of groups) counts[g.state] = g._count._all;
  return counts;
}

async function stageMedians(db: Database, start: Date): Promise<{ medians: Record<string, number>; samples: number }> {
  const rows = await db.job.findMany({
    where: { finishedAt: { gte: start }, timingsJson: { not: null }, role: { not: 'shadow' } }, select: { timingsJson: true },
    orderBy: { finishedAt: 'desc' }, take: MAX_TIMING_SAMPLES,
  });
  const byStage = new Map<string, number[]>();
  for (const row of rows) {
    let t: unknown;
    try {
      t = JSON.parse(row.timingsJson!);
    } catch {
      continue;
    }
    for (const [key, ms] of Object.entries((t ?? {}) as Record<string, unknown>)) {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || !key.endsWith('Ms')) continue;
      const stage = key.slice(0, -2);
      if (stage === 'export' && ms === 0) continue; // held by the guard: nothing was sent
      let values = byStage.get(stage);
      if (!values) byStage.set(stage, (values = []));
      values.push(ms);
    }
  }
  const medians = Object.fromEntries([...byStage].map(([stage, values]) => [stage, Math.round(median(values) * 10) / 10]));
  return { medians, samples: rows.length };
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function diskOf(path: string): Promise<Dashboard['disk']> {
  const s = await statfs(path);
  const size = Number(s.bsize);
  return { path, totalBytes: Number(s.blocks) * size, freeBytes: Number(s.bavail) * size, usedBytes: (Number(s.blocks) - Number(s.bfree)) * size };
}
