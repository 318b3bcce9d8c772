// At node start: the models shipped in models/ (manifest.json) and the one the configuration
// names are in the registry, with the shipped evaluation figures (models/eval/eval.json), and
// one model is active. The configured model becomes active when none is, or when the active one
// was put there by the node itself (actor 'system': no person ever chose it), so an upgrade that
// ships a new default brings it in. Once a person has promoted or rolled back to a model, in the
// console or the CLI, that choice outlives restarts, upgrades and config edits.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { defaultManifestPath, readManifest } from '../config/manifest.js';
import type { Logger } from '../node/logger.js';
import { label, type ModelRegistry, type RegistryAudit } from './registry.js';
import type { ModelRecord } from './records.js';

export interface SyncOptions {
  readonly configuredModelPath: string;
  readonly manifestPath?: string;
  readonly log?: Logger;
  /** Audit of the automatic activation (actor 'system'). */
  readonly audit: RegistryAudit;
  /** Who last made this model active ('system', 'cli:<login>', a username), null if unknown. */
  readonly activatedBy?: (modelId: string) => Promise<string | null>;
}

export interface SyncReport {
  readonly shipped: readonly ModelRecord[];
  readonly active: ModelRecord;
  /** The configured model was made active now (nothing was, or the active one's file is gone). */
  readonly activated: boolean;
}

export async function syncShippedModels(registry: ModelRegistry, o: SyncOptions): Promise<SyncReport> {
  const manifestPath = o.manifestPath ?? defaultManifestPath();
  const shipped: ModelRecord[] = [];
  if (existsSync(manifestPath)) {
    const dir = dirname(manifestPath);
    const evaluation = readEvaluation(dir);
    for (const entry of readManifest(manifestPath).models) {
      const file = resolve(dir, entry.file);
      if (!existsSync(file)) {
        o.log?.warn({ file }, 'a model listed in models/manifest.json is missing; not registered');
        continue;
      }
      // A float model is scored from its PyTorch weights; an int8 form (no weights) as its ONNX file.
      const metrics = evaluation?.(basename(entry.weights ?? entry.file));
      shipped.push(await registry.registerShipped({ file, ...(entry.stage ? { stage: entry.stage } : {}), ...(metrics ? { metrics } : {}) }));
    }
  }
  const configured = resolve(o.configuredModelPath);
  const own = shipped.find((m) => resolve(m.file) === configured) ?? await registry.registerShipped({ file: configured, createdBy: 'config' });
  const current = await registry.active();
  if (current && existsSync(current.file) && current.id !== own.id && await o.activatedBy?.(current.id) === 'system') {
    o.log?.info({ was: label(current), now: label(own) }, 'the configured model replaces the one the node activated by itself (no one had chosen it)');
    const { model } = await registry.promote(own.id, o.audit);
    return { shipped, active: model, activated: true };
  }
  if (current && existsSync(current.file)) {
    if (current.id !== own.id) o.log?.info({ active: label(current), configured: label(own) }, 'the registry\'s active model is used, not the configured one (it was promoted in the console or CLI)');
    return { shipped, active: current, activated: false };
  }
  if (current) o.log?.error({ model: label(current), file: current.file }, 'the active model\'s file is missing: falling back to the configured model');
  const { model } = await registry.promote(own.id, o.audit);
  return { shipped, active: model, activated: true };
}

interface EvalFile {
  readonly data?: string;
  readonly images?: number;
  readonly crop?: number;
  readonly models?: Record<string, string>;
  readonly settings?: { key: string; label: string; results: Record<string, { psnr: number; ssim: number; grad_ratio?: number }> }[];
}

/** From models/eval/eval.json: the figures of the method whose model file (.pt or .onnx) has this name. */
function readEvaluation(modelsDir: string): ((file: string) => Record<string, unknown> | undefined) | undefined {
  const path = resolve(modelsDir, 'eval', 'eval.json');
  if (!existsSync(path)) return undefined;
  let report: EvalFile;
  try {
    report = JSON.parse(readFileSync(path, 'utf8')) as EvalFile;
  } catch {
    return undefined;
  }
  return (file) => {
    const method = Object.entries(report.models ?? {}).find(([, p]) => basename(p) === file)?.[0];
    if (!method || !report.settings) return undefined;
    const settings = report.settings.flatMap((s) => {
      const r = s.results[method];
      const noisy = s.results.noisy;
      return r ? [{ key: s.key, label: s.label, psnr: r.psnr, ssim: r.ssim, ...(noisy ? { noisyPsnr: noisy.psnr, noisySsim: noisy.ssim } : {}) }] : [];
    });
    return { evaluation: { source: 'models/eval/eval.json', images: report.images ?? null, data: report.data ? report.data.split('/').slice(-2).join('/') : null, settings } };
  };
}
