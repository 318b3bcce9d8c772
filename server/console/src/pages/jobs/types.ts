// What the studies and jobs routes answer (server/src/jobs/schemas.ts), as the console reads it.

export interface Job {
  readonly id: string;
  readonly instanceId: string;
  readonly sopInstanceUid: string;
  readonly studyInstanceUid: string;
  /** The model's name (the registry's name, not its row id). */
  readonly modelId: string;
  readonly modelVersion: string;
  readonly paramsHash: string;
  readonly state: string;
  readonly role: string;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly nextRunAt: string;
  readonly lastError: string | null;
  readonly derivedSopInstanceUid: string | null;
  readonly derivedSeriesInstanceUid: string | null;
  readonly guardClippedFraction: number | null;
  readonly guardMaxChange: number | null;
  readonly guardFlagged: boolean | null;
  readonly held: boolean;
  readonly guardOverride: boolean;
  readonly timingsMs: Record<string, number> | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt: string | null;
}

export interface Delivery {
  readonly destination: string;
  readonly state: string;
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly sentAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface TimelineEntry {
  readonly stage: string;
  readonly at: string;
  readonly ms?: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly actor?: string;
  readonly detail?: string;
}

export interface AuditRow {
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly outcome: string;
  readonly ip: string | null;
  readonly detail: unknown;
}

export interface JobDetail {
  readonly job: Job;
  readonly timeline: readonly TimelineEntry[];
  readonly deliveries: readonly Delivery[];
  readonly shadow?: Job;
  readonly primary?: Job;
  readonly audit: readonly AuditRow[];
  readonly files: { readonly source: boolean; readonly derived: boolean };
}

export interface StudySummary {
  readonly studyInstanceUid: string;
  readonly patientId: string | null;
  readonly accessionNumber: string | null;
  readonly studyDate: string | null;
  readonly instances: number;
  readonly jobs: Record<string, number>;
  readonly guardFlagged: boolean;
  readonly lastReceivedAt: string;
}

export interface Instance {
  readonly id: string;
  readonly sopInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly modality: string | null;
  readonly bodyPartExamined: string | null;
  readonly viewPosition: string | null;
  readonly seriesDescription: string | null;
  readonly status: string;
  readonly skipReason: string | null;
  readonly receivedAt: string;
  readonly receiveCount: number;
  readonly purgedAt: string | null;
  readonly jobs: readonly Job[];
}

export interface StudyDetail {
  readonly study: StudySummary;
  readonly instances: readonly Instance[];
}

export interface RegistryModel {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly status: 'registered' | 'active' | 'shadow' | 'retired';
  readonly source: string;
}

/** States in which a job is still on its way (its page refreshes itself meanwhile). */
export const RUNNING_STATES: readonly string[] = ['received', 'queued', 'processing', 'failed'];

export const modelLabel = (j: Pick<Job, 'modelId' | 'modelVersion'>): string => `${j.modelId} ${j.modelVersion}`;
