// What /api/models answers (server/src/api/routes/models.ts), and the few words the page
// derives from it: the registry's 'registered' is shown as "candidate" (a model that may be
// promoted or shadowed), and a model is named "name version" as the derived series name it.

export type ModelStatus = 'registered' | 'active' | 'shadow' | 'retired';

export interface JobCounts {
  readonly total: number;
  readonly byState: Readonly<Record<string, number>>;
  readonly byRole: Readonly<Record<string, number>>;
}

export interface Model {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly stage: string | null;
  readonly source: 'shipped' | 'upload' | 'training';
  readonly status: ModelStatus;
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

export interface ModelList {
  readonly items: Model[];
  readonly active: string | null;
  readonly shadow: string | null;
}

export interface Tensor {
  readonly name: string;
  readonly type: string;
  readonly shape: readonly (number | string)[];
}

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface ValidationReport {
  readonly ok: boolean;
  readonly metadata: Readonly<Record<string, string>>;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly checks: readonly Check[];
  readonly selfCheck?: Readonly<Record<string, unknown>>;
}

export interface AuditRow {
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly outcome: string;
  readonly detail: unknown;
}

export const STATUS_LABEL: Readonly<Record<ModelStatus, string>> = {
  registered: 'candidate', active: 'active', shadow: 'shadow', retired: 'retired',
};

export const SOURCE_LABEL: Readonly<Record<Model['source'], string>> = {
  shipped: 'shipped', upload: 'uploaded', training: 'trained',
};

export function modelLabel(m: Pick<Model, 'name' | 'version'>): string {
  return `${m.name} ${m.version}`;
}

/**
 * The model a rollback goes back to, as the registry picks it: the latest promoted one that is
 * not active now (a candidate or the shadow), or undefined when nothing was active before.
 */
export function rollbackTarget(items: readonly Model[]): Model | undefined {
  return items
    .filter((m) => m.promotedAt && (m.status === 'registered' || m.status === 'shadow'))
    .sort((a, b) => (b.promotedAt ?? '').localeCompare(a.promotedAt ?? ''))[0];
}

/** Shadow jobs this model ran (all of them kept, failed or still waiting). */
export function shadowRuns(m: Model): number {
  return m.jobs.byRole.shadow ?? 0;
}
