// A start request made concrete before the run is queued: the preset exists and has the
// stages asked for, the dataset folder holds images (its layout recorded), the name is free,
// a GAN-only run's stage-1 checkpoint exists, and the evaluation's size is fixed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../db/index.js';
import { badRequest, conflict } from '../http/errors.js';
import { inspectDataset } from './dataset.js';
import { planStages, type StartParams } from './params.js';
import { findPreset } from './presets.js';
import { newProgress, type RunProgress } from './progress.js';
import { progressOf, type RunRequest } from './views.js';

export async function buildRequest(db: Database, root: string, params: StartParams): Promise<{ name: string; request: RunRequest; progress: RunProgress }> {
  const preset = findPreset(root, params.preset);
  const needs = params.stages === 'both' ? (['stage1', 'gan'] as const) : params.stages === 'gan' ? (['gan'] as const) : (['stage1'] as const);
  for (const k of needs) if (!preset.files[k]) throw badRequest(`stages: preset ${preset.name} has no ${k} config`);
  const dataset = await inspectDataset(params.dataset, preset.classes);
  const name = params.name ?? defaultName();
  if (await db.trainingRun.findUnique({ where: { name } })) throw conflict(`name: a run named ${name} exists already`);
  const first = preset.stage1 ?? preset.gan;
  const request: RunRequest = {
    params, dataset, initFrom: await initFrom(db, params),
    presetSteps: { stage1: preset.stage1?.totalSteps ?? null, gan: preset.gan?.totalSteps ?? null },
    eval: { maxImages: params.hyper.valImages ?? first?.valImages ?? 10, crop: params.hyper.valCrop ?? first?.valCrop ?? 0 },
  };
  return { name, request, progress: newProgress(planStages(name, params, request.presetSteps)) };
}

/** Stage 2 alone starts from a stage-1 checkpoint: a file, or a run whose stage 1 finished. */
async function initFrom(db: Database, p: StartParams): Promise<string | null> {
  if (p.stages !== 'gan') return null;
  if (p.initFromCheckpoint) {
    if (!existsSync(p.initFromCheckpoint)) throw badRequest(`initFromCheckpoint: no file at ${p.initFromCheckpoint}`);
    return p.initFromCheckpoint;
  }
  if (!p.initFromRun) throw badRequest('initFromRun: a GAN-only run starts from a stage-1 checkpoint: name the run (or give initFromCheckpoint)');
  const source = await db.trainingRun.findFirst({ where: { OR: [{ id: p.initFromRun }, { name: p.initFromRun }] } });
  if (!source) throw badRequest(`initFromRun: no training run ${p.initFromRun}`);
  const s1 = progressOf(source).stages.find((s) => s.stage === 1 && s.done);
  if (!s1) throw badRequest(`initFromRun: run ${source.name} has no finished stage 1`);
  return s1.checkpoint || join(source.runDir, s1.name, 'checkpoints', 'latest.pth');
}

function defaultName(): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `run-${t}-${Math.random().toString(36).slice(2, 6)}`;
}
