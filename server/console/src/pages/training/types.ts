// The training API's shapes as the console reads them (server/src/training/views.ts and
// server/src/api/routes/training-schemas.ts are the source).
export type RunState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';
export type StageChoice = 'stage1' | 'gan' | 'both';

export interface PresetDefaults {
  totalSteps: number | null; batchSize: number | null; patchSize: number | null; lrG: number | null; lrD: number | null;
  ganWeight: number | null; perceptualWeight: number | null; channels: number[] | null; valImages: number | null; valCrop: number | null; valEvery: number | null;
}

export interface Preset {
  name: string;
  description: string;
  dataPreset: string;
  classes: string[] | null;
  files: { stage1: string | null; gan: string | null };
  stage1: PresetDefaults | null;
  gan: PresetDefaults | null;
}

export interface DatasetInfo {
  path: string;
  layout: 'kaggle' | 'splits' | 'flat';
  trainImages: number;
  valImages: number;
  holdout: number;
  classes: string[] | null;
  truncated: boolean;
  description: string;
}

export interface ValFigures { psnr: number; ssim: number; psnrNoisy: number; ssimNoisy: number }

export interface RunSummary {
  id: string; name: string; state: RunState; phase: string | null; queuePosition: number | null; preset: string; stages: StageChoice;
  dataset: string; stage: number | null; step: number; totalSteps: number | null; progress: number; etaSec: number | null;
  lastVal: ValFigures | null; error: string | null; modelId: string | null; createdBy: string; createdAt: string;
  startedAt: string | null; finishedAt: string | null; interruptedBy: 'user' | 'node' | null; resumable: boolean; registrable: boolean;
}

export interface LossPoint { x: number; stage: number; step: number; g: number; d: number | null }
export interface ValPoint extends ValFigures { x: number; stage: number; step: number }

export interface EvalSetting { key: string; label: string; nlmH: number; results: Record<string, { psnr: number; ssim: number; grad_ratio: number }> }

export interface RunDetail extends RunSummary {
  params: { dataset: string; preset: string; stages: StageChoice; noise: { type: string; [k: string]: unknown }; hyper: Record<string, unknown>; initFromRun?: string };
  datasetInfo: DatasetInfo;
  stageProgress: { stage: number; key: string; totalSteps: number | null; step: number; done: boolean }[];
  losses: LossPoint[];
  val: ValPoint[];
  sample: { stage: number; step: number; url: string; at: string } | null;
  data: { layout: string | null; holdout: number; valRoot: string; valSplit: string; trainImages: number; valImages: number } | null;
  evaluation: { methods: string[]; images: number; seconds: number; markdown: string; gridUrl: string; settings: EvalSetting[] } | null;
}

export const STAGE_LABEL: Record<StageChoice, string> = { both: 'Stage 1, then GAN', stage1: 'Stage 1 only', gan: 'GAN from a stage-1 checkpoint' };
export const PHASE_LABEL: Record<string, string> = { stage1: 'stage 1', gan: 'GAN', eval: 'evaluation' };

/** "3 min 20 s", "1 h 5 min", "12 s" */
export function formatEta(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec)) return '—';
  if (sec < 60) return `${Math.max(0, Math.round(sec))} s`;
  const m = Math.floor(sec / 60);
  if (m < 60) return `${m} min ${Math.round(sec % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "1 image", "4 images" */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
