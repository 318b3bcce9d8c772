// TrainingRun rows as the API shows them: the request, the dataset found, the live progress
// (curves, validation, sample image, ETA), the evaluation, and what can be done next.
import type { TrainingRun } from '@prisma/client';
import type { DatasetInfo } from './dataset.js';
import { planStages, type StartParams } from './params.js';
import { etaSeconds, fraction, parseProgress, type RunProgress } from './progress.js';

export const RUN_STATES = ['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted'] as const;
export type RunState = (typeof RUN_STATES)[number];

/** What paramsJson holds: the request as validated, and what was resolved from it at creation. */
export interface RunRequest {
  readonly params: StartParams;
  readonly dataset: DatasetInfo;
  /** Stage 2 alone: the stage-1 checkpoint it starts from. */
  readonly initFrom: string | null;
  readonly presetSteps: { readonly stage1: number | null; readonly gan: number | null };
  readonly eval: { readonly maxImages: number; readonly crop: number };
}

export function parseRequest(row: Pick<TrainingRun, 'paramsJson'>): RunRequest {
  return JSON.parse(row.paramsJson) as RunRequest;
}

export function progressOf(row: Pick<TrainingRun, 'name' | 'paramsJson' | 'resultJson'>): RunProgress {
  const req = parseRequest(row);
  return parseProgress(row.resultJson, planStages(row.name, req.params, req.presetSteps));
}

export interface RunSummary {
  readonly id: string;
  readonly name: string;
  readonly state: RunState;
  readonly phase: string | null;
  readonly queuePosition: number | null;
  readonly preset: string;
  readonly stages: string;
  readonly dataset: string;
  readonly stage: number | null;
  readonly step: number;
  readonly totalSteps: number | null;
  readonly progress: number;
  readonly etaSec: number | null;
  readonly lastVal: { psnr: number; ssim: number; psnrNoisy: number; ssimNoisy: number } | null;
  readonly error: string | null;
  readonly modelId: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly interruptedBy: 'user' | 'node' | null;
  readonly resumable: boolean;
  readonly registrable: boolean;
}

export function runSummary(row: TrainingRun, progress: RunProgress, queuePosition: number | null): RunSummary {
  const req = parseRequest(row);
  const state = row.state as RunState;
  const last = progress.val[progress.val.length - 1];
  return {
    id: row.id, name: row.name, state, phase: state === 'running' ? progress.phase : null, queuePosition,
    preset: req.params.preset, stages: req.params.stages, dataset: req.dataset.path, stage: row.stage, step: row.step, totalSteps: row.totalSteps,
    progress: fraction(progress, state), etaSec: state === 'running' ? etaSeconds(progress) : null,
    lastVal: last ? { psnr: last.psnr, ssim: last.ssim, psnrNoisy: last.psnrNoisy, ssimNoisy: last.ssimNoisy } : null,
    error: row.error, modelId: row.modelId, createdBy: row.createdBy, createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null, finishedAt: row.finishedAt?.toISOString() ?? null,
    interruptedBy: progress.interruptedBy, resumable: state === 'interrupted' || state === 'failed',
    registrable: state === 'done' && row.modelId === null,
  };
}

export interface RunDetail extends RunSummary {
  readonly params: StartParams;
  readonly datasetInfo: DatasetInfo;
  readonly stageProgress: readonly { stage: number; key: string; totalSteps: number | null; step: number; done: boolean }[];
  readonly losses: RunProgress['losses'];
  readonly val: RunProgress['val'];
  readonly sample: { stage: number; step: number; url: string; at: string } | null;
  readonly data: RunProgress['data'];
  readonly evaluation: (Omit<NonNullable<RunProgress['evaluation']>, 'grid'> & { gridUrl: string }) | null;
}

export function runDetail(row: TrainingRun, progress: RunProgress, queuePosition: number | null): RunDetail {
  const req = parseRequest(row);
  const base = `/api/training/runs/${encodeURIComponent(row.id)}`;
  const { evaluation, sample } = progress;
  return {
    ...runSummary(row, progress, queuePosition), params: req.params, datasetInfo: req.dataset,
    stageProgress: progress.stages.map((s) => ({ stage: s.stage, key: s.key, totalSteps: s.totalSteps, step: s.step, done: s.done })),
    losses: progress.losses, val: progress.val, data: progress.data,
    sample: sample ? { stage: sample.stage, step: sample.step, at: sample.at, url: `${base}/sample.png?stage=${sample.stage}&step=${sample.step}` } : null,
    evaluation: evaluation ? { methods: evaluation.methods, settings: evaluation.settings, markdown: evaluation.markdown, images: evaluation.images, seconds: evaluation.seconds, gridUrl: `${base}/eval/grid.png` } : null,
  };
}
