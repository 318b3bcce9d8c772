// The registry as the API and the CLI show it: each model with how many jobs ran it, by state
// and role, so an admin sees what a shadow candidate has done before promoting it.
import type { Database } from '../db/index.js';
import type { ModelRecord } from './records.js';

export interface JobCounts {
  readonly total: number;
  readonly byState: Readonly<Record<string, number>>;
  readonly byRole: Readonly<Record<string, number>>;
}

export interface ModelView {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly stage: string | null;
  readonly source: string;
  readonly status: string;
  readonly file: string;
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly metrics: Readonly<Record<string, unknown>> | null;
  readonly trainingRunId: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly promotedAt: string | null;
  readonly jobs: JobCounts;
}

const NO_JOBS: JobCounts = { total: 0, byState: {}, byRole: {} };

/** Job counts per "<name>\u0000<version>", one grouped query for the whole list. */
export async function jobCounts(db: Database): Promise<Map<string, JobCounts>> {
  const groups = await db.job.groupBy({ by: ['modelId', 'modelVersion', 'role', 'state'], _count: { _all: true } });
  const counts = new Map<string, { total: number; byState: Record<string, number>; byRole: Record<string, number> }>();
  for (const g of groups) {
    const key = `${g.modelId}\u0000${g.modelVersion}`;
    const c = counts.get(key) ?? { total: 0, byState: {}, byRole: {} };
    const n = g._count._all;
    c.total += n;
    c.byState[g.state] = (c.byState[g.state] ?? 0) + n;
    c.byRole[g.role] = (c.byRole[g.role] ?? 0) + n;
    counts.set(key, c);
  }
  return counts;
}

export function modelView(m: ModelRecord, counts?: Map<string, JobCounts>): ModelView {
  return {
    id: m.id, name: m.name, version: m.version, stage: m.stage, source: m.source, status: m.status, file: m.file,
    sha256: m.sha256, sizeBytes: m.sizeBytes, metadata: m.metadata, metrics: m.metrics, trainingRunId: m.trainingRunId,
    createdAt: m.createdAt.toISOString(), createdBy: m.createdBy, promotedAt: m.promotedAt?.toISOString() ?? null,
    jobs: counts?.get(`${m.name}\u0000${m.version}`) ?? NO_JOBS,
  };
}

export async function modelViews(db: Database, models: readonly ModelRecord[]): Promise<ModelView[]> {
  const counts = await jobCounts(db);
  return models.map((m) => modelView(m, counts));
}
