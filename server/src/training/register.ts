// "Register as model": a finished run's last generator exported to ONNX by the training
// module (`python -m training export`), then handed to the model registry, whose validation
// (contract, metadata, self-check) decides. It arrives as a candidate ('registered'):
// promoting it stays an admin's decision on the models page.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrainingRun } from '@prisma/client';
import { conflict } from '../http/errors.js';
import type { ModelRecord, ModelRegistry, RegistryAudit, ValidationReport } from '../registry/index.js';
import type { RunProgress } from './progress.js';
import { runTraining, type PythonOptions } from './python.js';

export interface RegisterRequest {
  readonly name?: string | undefined;
  readonly version?: string | undefined;
}

export interface RegisterDeps {
  readonly registry: ModelRegistry;
  readonly python: PythonOptions;
  readonly createdBy: string;
  readonly audit: RegistryAudit;
}

export function defaultModelName(run: Pick<TrainingRun, 'name'>): { name: string; version: string } {
  return { name: `sharpxr-${run.name}`.slice(0, 64), version: '1.0.0' };
}

/** Exports the run's last stage and registers the file; returns the registry's record and report. */
export async function registerRun(run: TrainingRun, progress: RunProgress, req: RegisterRequest, d: RegisterDeps): Promise<{ model: ModelRecord; report: ValidationReport; file: string }> {
  const last = [...progress.stages].reverse().find((s) => s.done);
  if (!last) throw conflict(`run ${run.name} has no finished stage to export`);
  const { name, version } = { ...defaultModelName(run), ...strip(req) };
  if (await d.registry.find(name, version)) throw conflict(`${name} ${version} is already in the registry: choose another name or version`);
  const checkpoint = last.checkpoint || join(run.runDir, last.name, 'checkpoints', 'latest.pth');
  const dir = join(run.runDir, 'export');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${name}-${version}.onnx`.replace(/[^A-Za-z0-9._-]/g, '_'));
  let error: string | null = null;
  const child = runTraining(['export', '--checkpoint', checkpoint, '--out', file, '--name', name, '--version', version], d.python, (line) => {
    if (line.event === 'error') error = String(line.message);
  });
  const exit = await child.exited;
  if (exit.code !== 0) {
    const why = error ?? (exit.stderr.trim().split('\n').pop() || `exit code ${exit.code}`);
    throw conflict(`the ONNX export failed: ${why}`);
  }
  const { model, report } = await d.registry.register(file, {
    source: 'training', createdBy: d.createdBy, trainingRunId: run.id, audit: d.audit, metrics: metricsOf(run, progress, last.key),
  });
  return { model, report, file };
}

function strip(r: RegisterRequest): Partial<{ name: string; version: string }> {
  return { ...(r.name ? { name: r.name } : {}), ...(r.version ? { version: r.version } : {}) };
}

/**
 * What the registry keeps with the model: the last validation, and the evaluation of the stage
 * exported in the shape the node stores for shipped models (evaluation.settings[] with psnr,
 * ssim, noisyPsnr, noisySsim), so the Models page compares it with the active model.
 */
function metricsOf(run: TrainingRun, p: RunProgress, method: string): Record<string, unknown> {
  const last = p.val[p.val.length - 1];
  const ev = p.evaluation;
  const settings = ev?.settings.flatMap((s) => {
    const r = s.results[method];
    const noisy = s.results.noisy;
    return r ? [{ key: s.key, label: s.label, psnr: r.psnr, ssim: r.ssim, ...(noisy ? { noisyPsnr: noisy.psnr, noisySsim: noisy.ssim } : {}) }] : [];
  });
  return {
    trainingRun: { id: run.id, name: run.name, stages: p.stages.map((s) => ({ stage: s.key, steps: s.step })) },
    ...(last ? { validation: { psnr: last.psnr, ssim: last.ssim, psnrNoisy: last.psnrNoisy, ssimNoisy: last.ssimNoisy } } : {}),
    ...(ev && settings?.length ? { evaluation: { source: `training run ${run.name}`, images: ev.images, method, settings } } : {}),
  };
}
