// One run carried out: each stage not done yet as `python -m training train` (stage 2 from
// stage 1's checkpoint), then `python -m training eval` on the validation images. Every JSON
// line updates the run's progress; a stop request (cancel, node stop) SIGTERMs the trainer,
// which saves a checkpoint and exits 130, so the run can be resumed where it stopped.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Preset } from './presets.js';
import { stageOverrides, type StagePlan } from './params.js';
import { applyLine, type EvalSetting, type Evaluation, type RunProgress } from './progress.js';
import { runTraining, type JsonLine, type PythonOptions, type PythonRun } from './python.js';
import type { RunRequest } from './views.js';

export type Outcome = { readonly kind: 'done' } | { readonly kind: 'interrupted' } | { readonly kind: 'failed'; readonly error: string };

export interface ExecutionDeps {
  readonly runDir: string;
  readonly request: RunRequest;
  readonly preset: Preset;
  readonly progress: RunProgress;
  readonly python: PythonOptions;
  /** After every line; `important` lines (validation, checkpoint, stage end) are saved at once. */
  onChange(important: boolean): void;
  onPid(pid: number | null): void;
}

export class RunExecution {
  private child: PythonRun | null = null;
  private stopped = false;

  constructor(private readonly d: ExecutionDeps) {}

  get stopping(): boolean {
    return this.stopped;
  }

  /** Ends the current Python process gracefully (SIGTERM: checkpoint, then exit 130). */
  stop(): void {
    this.stopped = true;
    this.child?.stop();
  }

  kill(): void {
    this.stopped = true;
    this.child?.kill();
  }

  async run(): Promise<Outcome> {
    const { progress } = this.d;
    for (let i = 0; i < progress.stages.length; i++) {
      if (progress.stages[i]!.done) continue;
      const outcome = await this.trainStage(i);
      if (outcome.kind !== 'done') return outcome;
    }
    if (!progress.evaluation) return this.evaluate();
    return { kind: 'done' };
  }

  checkpointOf(index: number): string {
    const s = this.d.progress.stages[index]!;
    return s.checkpoint || join(this.d.runDir, s.name, 'checkpoints', 'latest.pth');
  }

  private async trainStage(index: number): Promise<Outcome> {
    const { progress, request, preset } = this.d;
    const stage = progress.stages[index]!;
    const config = stage.stage === 1 ? preset.files.stage1 : preset.files.gan;
    if (!config) return { kind: 'failed', error: `preset ${preset.name} has no ${stage.key} config in training/options` };
    const initFrom = stage.stage === 2 ? (index > 0 ? this.checkpointOf(index - 1) : request.initFrom ?? undefined) : undefined;
    if (stage.stage === 2 && (!initFrom || !existsSync(initFrom))) return { kind: 'failed', error: `the stage-1 checkpoint the GAN starts from is missing (${initFrom ?? 'none given'})` };
    const plan: StagePlan = { stage: stage.stage, key: stage.key, name: stage.name, totalSteps: stage.totalSteps };
    const args = ['train', '--config', config, '--data', request.dataset.path,
      ...stageOverrides(request.params, plan, {
        runsDir: this.d.runDir, threads: this.d.python.threads, dataDescription: `${request.dataset.path}: ${request.dataset.description}`, ...(initFrom ? { initFrom } : {}),
      })];
    progress.phase = stage.key;
    const result = await this.spawn(args, (line) => applyLine(progress, index, line));
    if (result.ok && stage.done) return { kind: 'done' };
    return this.ended(result, `stage ${stage.key}`);
  }

  private async evaluate(): Promise<Outcome> {
    const { progress, request, runDir } = this.d;
    const data = progress.data;
    if (!data) return { kind: 'failed', error: 'no stage reported its validation data; nothing to evaluate' };
    const out = join(runDir, 'eval');
    const models = progress.stages.flatMap((s, i) => (s.done ? ['--model', `${s.key}=${this.checkpointOf(i)}`] : []));
    const args = ['eval', '--data', data.valRoot, '--split', data.valSplit, '--holdout', String(data.holdout), '--out', out,
      '--max-images', String(request.eval.maxImages), '--crop', String(request.eval.crop), '--nlm-tune-images', '2', ...models];
    progress.phase = 'eval';
    this.d.onChange(true);
    const result = await this.spawn(args, (line) => line.event === 'eval');
    if (!result.ok) return this.ended(result, 'evaluation');
    try {
      progress.evaluation = await readEvaluation(out);
    } catch (err) {
      return { kind: 'failed', error: `the evaluation wrote no readable report: ${(err as Error).message}` };
    }
    return { kind: 'done' };
  }

  private async spawn(args: string[], apply: (line: JsonLine) => boolean): Promise<{ ok: boolean; error: string | null; code: number | null; signal: string | null; stderr: string }> {
    if (this.stopped) return { ok: false, error: null, code: 130, signal: null, stderr: '' };
    let error: string | null = null;
    const child = runTraining(args, this.d.python, (line) => {
      if (line.event === 'error') error = String(line.message ?? 'error');
      this.d.onChange(apply(line));
    });
    this.child = child;
    this.d.onPid(child.pid);
    if (this.stopped) child.stop(); // stop() came while it was starting
    const { code, signal, stderr } = await child.exited;
    this.child = null;
    this.d.onPid(null);
    return { ok: code === 0, error, code, signal, stderr };
  }

  private ended(r: { error: string | null; code: number | null; signal: string | null; stderr: string }, what: string): Outcome {
    if (this.stopped && (r.code === 130 || r.signal === 'SIGTERM' || r.signal === 'SIGKILL' || r.code === 0)) return { kind: 'interrupted' };
    if (r.code === 130) return { kind: 'interrupted' };
    if (r.error) return { kind: 'failed', error: r.error };
    const last = r.stderr.trim().split('\n').filter(Boolean).pop();
    const how = r.signal ? `was killed (${r.signal}${r.signal === 'SIGKILL' ? ': out of memory?' : ''})` : `exited with code ${r.code}`;
    return { kind: 'failed', error: `${what}: the Python process ${how}${last ? `: ${last}` : ''}` };
  }
}

async function readEvaluation(out: string): Promise<Evaluation> {
  const report = JSON.parse(await readFile(join(out, 'eval.json'), 'utf8')) as {
    methods: string[]; images: number; seconds: number;
    settings: { key: string; label: string; nlm_h: number; results: EvalSetting['results'] }[];
  };
  return {
    methods: report.methods, images: report.images, seconds: report.seconds, grid: join(out, 'grid.png'),
    markdown: await readFile(join(out, 'eval.md'), 'utf8'),
    settings: report.settings.map((s) => ({ key: s.key, label: s.label, nlmH: s.nlm_h, results: s.results })),
  };
}
