// A run's live state, built from the trainer's JSON lines and kept in TrainingRun.resultJson:
// loss curves of G and D, validation PSNR/SSIM, the latest sample image, ETA, the stages done
// and the evaluation report. The curves are thinned (every other point dropped) whenever they
// outgrow MAX_POINTS, so a 5000-step run stays a few tens of kB in the row and in each SSE frame.
import type { JsonLine } from './python.js';
import type { StagePlan } from './params.js';

export const MAX_POINTS = 400;

export interface StageProgress {
  readonly stage: 1 | 2;
  readonly key: 'stage1' | 'gan';
  readonly name: string;
  totalSteps: number | null;
  step: number;
  done: boolean;
  checkpoint: string | null;
}

/** x: steps over all stages so far (stage 2's steps follow stage 1's). */
export interface LossPoint { readonly x: number; readonly stage: number; readonly step: number; readonly g: number; readonly d: number | null }
export interface ValPoint { readonly x: number; readonly stage: number; readonly step: number; readonly psnr: number; readonly ssim: number; readonly psnrNoisy: number; readonly ssimNoisy: number }

export interface DataFound {
  readonly layout: string | null;
  readonly holdout: number;
  readonly valRoot: string;
  readonly valSplit: string;
  readonly trainImages: number;
  readonly valImages: number;
}

export interface EvalSetting {
  readonly key: string;
  readonly label: string;
  readonly nlmH: number;
  readonly results: Readonly<Record<string, { psnr: number; ssim: number; grad_ratio: number }>>;
}

export interface Evaluation {
  readonly methods: readonly string[];
  readonly settings: readonly EvalSetting[];
  readonly markdown: string;
  readonly grid: string;
  readonly images: number;
  readonly seconds: number;
}

export type Phase = 'stage1' | 'gan' | 'eval';

export interface RunProgress {
  stages: StageProgress[];
  phase: Phase | null;
  losses: LossPoint[];
  val: ValPoint[];
  sample: { stage: number; step: number; file: string; at: string } | null;
  /** Seconds left in the current stage, as the trainer said at `at`. */
  eta: { sec: number; at: string } | null;
  secPerStep: number | null;
  data: DataFound | null;
  evaluation: Evaluation | null;
  /** Who interrupted it: the operator (cancel) or the node (stop, restart). */
  interruptedBy: 'user' | 'node' | null;
}

export function newProgress(plans: readonly StagePlan[]): RunProgress {
  return {
    stages: plans.map((p) => ({ stage: p.stage, key: p.key, name: p.name, totalSteps: p.totalSteps, step: 0, done: false, checkpoint: null })),
    phase: null, losses: [], val: [], sample: null, eta: null, secPerStep: null, data: null, evaluation: null, interruptedBy: null,
  };
}

export function parseProgress(json: string | null, plans: readonly StagePlan[]): RunProgress {
  if (!json) return newProgress(plans);
  try {
    return { ...newProgress(plans), ...(JSON.parse(json) as Partial<RunProgress>) };
  } catch {
    return newProgress(plans);
  }
}

/** Steps of the stages before `index` (their totals; unknown totals count as their steps). */
function offset(p: RunProgress, index: number): number {
  return p.stages.slice(0, index).reduce((sum, s) => sum + (s.totalSteps ?? s.step), 0);
}

const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Applies one trainer line of stage `index`; true when it is worth saving at once. */
export function applyLine(p: RunProgress, index: number, line: JsonLine): boolean {
  const stage = p.stages[index]!;
  const at = new Date(n(line.time) * 1000 || Date.now()).toISOString();
  switch (line.event) {
    case 'start':
      stage.totalSteps = n(line.total_steps);
      stage.step = n(line.step);
      p.data = {
        layout: typeof line.layout === 'string' ? line.layout : null, holdout: n(line.holdout), valRoot: String(line.val_root ?? ''),
        valSplit: String(line.val_split ?? 'val'), trainImages: n(line.train_images), valImages: n(line.val_images),
      };
      dropAfter(p, stage.stage, stage.step);
      return true;
    case 'train': {
      stage.step = n(line.step);
      const losses = (line.losses ?? {}) as Record<string, number>;
      const d = losses.d_real !== undefined ? 0.5 * (n(losses.d_real) + n(losses.d_fake)) : null;
      push(p.losses, { x: offset(p, index) + stage.step, stage: stage.stage, step: stage.step, g: n(losses.total), d });
      p.eta = { sec: n(line.eta_sec), at };
      const left = (stage.totalSteps ?? 0) - stage.step;
      if (left > 0) p.secPerStep = n(line.eta_sec) / left;
      return false;
    }
    case 'val':
      push(p.val, {
        x: offset(p, index) + n(line.step), stage: stage.stage, step: n(line.step), psnr: n(line.psnr), ssim: n(line.ssim),
        psnrNoisy: n(line.psnr_noisy), ssimNoisy: n(line.ssim_noisy),
      });
      if (typeof line.sample === 'string') p.sample = { stage: stage.stage, step: n(line.step), file: line.sample, at };
      if (typeof line.eta_sec === 'number') p.eta = { sec: line.eta_sec, at };
      return true;
    case 'checkpoint':
    case 'interrupted':
      if (line.event === 'checkpoint') stage.checkpoint = String(line.path ?? '');
      stage.step = n(line.step);
      return true;
    case 'done':
      stage.step = n(line.step);
      stage.done = true;
      p.eta = null;
      return true;
    default:
      return line.event === 'error';
  }
}

/** A resumed stage repeats the steps after its checkpoint: their old points go. */
function dropAfter(p: RunProgress, stage: number, step: number): void {
  p.losses = p.losses.filter((l) => l.stage !== stage || l.step <= step);
  p.val = p.val.filter((v) => v.stage !== stage || v.step <= step);
}

function push<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length <= MAX_POINTS) return;
  const last = list[list.length - 1]!;
  const kept = list.filter((_, i) => i % 2 === 0);
  if (kept[kept.length - 1] !== last) kept.push(last);
  list.splice(0, list.length, ...kept);
}

/**
 * Seconds left for the whole run: the trainer's ETA for this stage, less the time since it
 * said so, plus the later stages' steps at this stage's pace (a GAN step costs more; close enough).
 */
export function etaSeconds(p: RunProgress, now = Date.now()): number | null {
  if (!p.eta) return null;
  const current = p.stages.findIndex((s) => !s.done);
  if (current < 0) return null;
  const left = Math.max(0, p.eta.sec - (now - Date.parse(p.eta.at)) / 1000);
  const laterSteps = p.stages.slice(current + 1).reduce((sum, s) => sum + (s.totalSteps ?? 0), 0);
  return Math.round(left + (p.secPerStep ?? 0) * laterSteps);
}

/** Progress over all stages, 0..1 (evaluation counts as the last 2 %). */
export function fraction(p: RunProgress, state: string): number {
  if (state === 'done') return 1;
  const total = p.stages.reduce((s, st) => s + (st.totalSteps ?? 0), 0);
  if (total === 0) return 0;
  const done = p.stages.reduce((s, st) => s + (st.done ? st.totalSteps ?? st.step : st.step), 0);
  return Math.min(1, (done / total) * (p.phase === 'eval' ? 1 : 0.98));
}

/** The row's columns: the stage running (or the last), steps over all stages, their total. */
export function rowFields(p: RunProgress): { stage: number; step: number; totalSteps: number | null } {
  const current = p.stages.find((s) => !s.done) ?? p.stages[p.stages.length - 1]!;
  const before = p.stages.slice(0, p.stages.indexOf(current)).reduce((sum, s) => sum + (s.totalSteps ?? s.step), 0);
  return { stage: current.stage, step: before + current.step, totalSteps: p.stages.reduce((sum, s) => sum + (s.totalSteps ?? 0), 0) || null };
}
