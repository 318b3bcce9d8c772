// The registry's view of a Model row: JSON columns parsed, status and source typed.
import type { Model as ModelRow } from '@prisma/client';

export const MODEL_STATUSES = ['registered', 'active', 'shadow', 'retired'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];
export const MODEL_SOURCES = ['shipped', 'upload', 'training'] as const;
export type ModelSource = (typeof MODEL_SOURCES)[number];

export interface ModelRecord {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly file: string;
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly stage: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  /** Evaluation figures (given at upload or by the training run) and the self-check's. */
  readonly metrics: Readonly<Record<string, unknown>> | null;
  readonly source: ModelSource;
  readonly trainingRunId: string | null;
  readonly status: ModelStatus;
  readonly createdAt: Date;
  readonly createdBy: string;
  readonly promotedAt: Date | null;
}

export function toRecord(row: ModelRow): ModelRecord {
  return {
    id: row.id, name: row.name, version: row.version, file: row.file, sha256: row.sha256, sizeBytes: row.sizeBytes,
    stage: row.stage, metadata: parseObject(row.metadataJson) as Record<string, string>, metrics: row.metricsJson ? parseObject(row.metricsJson) : null,
    source: row.source as ModelSource, trainingRunId: row.trainingRunId, status: row.status as ModelStatus,
    createdAt: row.createdAt, createdBy: row.createdBy, promotedAt: row.promotedAt,
  };
}

function parseObject(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function modelSubject(id: string): string {
  return `model:${id}`;
}
