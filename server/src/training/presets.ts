// The training presets a run starts from: training/options/<preset>_stage1.yml and
// <preset>_gan.yml (product, paper). The console shows each preset's defaults so the form's
// empty fields say what they will be; the Python trainer reads the same files.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { badRequest } from '../http/errors.js';

export interface PresetDefaults {
  readonly totalSteps: number | null;
  readonly batchSize: number | null;
  readonly patchSize: number | null;
  readonly lrG: number | null;
  readonly lrD: number | null;
  readonly ganWeight: number | null;
  readonly perceptualWeight: number | null;
  readonly channels: readonly number[] | null;
  readonly valImages: number | null;
  readonly valCrop: number | null;
  readonly valEvery: number | null;
}

export interface Preset {
  readonly name: string;
  /** The first comment line of the stage-1 file. */
  readonly description: string;
  /** 'crop' (random patches) or 'paper' (whole images resized to 256 px). */
  readonly dataPreset: string;
  readonly classes: readonly string[] | null;
  readonly files: { readonly stage1: string | null; readonly gan: string | null };
  readonly stage1: PresetDefaults | null;
  readonly gan: PresetDefaults | null;
}

export function optionsDir(root: string): string {
  return join(root, 'training', 'options');
}

/** Every preset in training/options, by name. */
export function listPresets(root: string): Preset[] {
  const dir = optionsDir(root);
  if (!existsSync(dir)) return [];
  const names = new Set(readdirSync(dir).flatMap((f) => /^(.+)_(stage1|gan)\.ya?ml$/.exec(f)?.[1] ?? []));
  return [...names].sort().map((name) => readPreset(dir, name));
}

export function findPreset(root: string, name: string): Preset {
  const preset = listPresets(root).find((p) => p.name === name);
  if (!preset) throw badRequest(`preset: no preset "${name}" in training/options (there are: ${listPresets(root).map((p) => p.name).join(', ') || 'none'})`);
  return preset;
}

function readPreset(dir: string, name: string): Preset {
  const file = (stage: string): string | null => {
    for (const ext of ['yml', 'yaml']) if (existsSync(join(dir, `${name}_${stage}.${ext}`))) return join(dir, `${name}_${stage}.${ext}`);
    return null;
  };
  const files = { stage1: file('stage1'), gan: file('gan') };
  const s1 = files.stage1 ? readYaml(files.stage1) : null;
  const gan = files.gan ? readYaml(files.gan) : null;
  const first = s1 ?? gan ?? {};
  const text = readFileSync((files.stage1 ?? files.gan)!, 'utf8');
  const train = dig(first, 'datasets', 'train') as Record<string, unknown> | undefined;
  return {
    name, files, description: headComment(text),
    dataPreset: String(train?.preset ?? 'crop'),
    classes: Array.isArray(train?.classes) ? (train.classes as unknown[]).map(String) : null,
    stage1: s1 ? defaults(s1) : null, gan: gan ? defaults(gan) : null,
  };
}

/** The file's opening comment block as one sentence run (a description often spans lines). */
function headComment(text: string): string {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^#\s?(.*)$/.exec(line);
    if (!m) break;
    lines.push(m[1]!.trim());
  }
  return lines.join(' ').replace(/\s+/g, ' ').trim();
}

function readYaml(path: string): Record<string, unknown> {
  const value: unknown = parseYaml(readFileSync(path, 'utf8'));
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function defaults(o: Record<string, unknown>): PresetDefaults {
  const channels = dig(o, 'network_g', 'channels');
  return {
    totalSteps: num(dig(o, 'train', 'total_steps')), batchSize: num(dig(o, 'datasets', 'train', 'batch_size')),
    patchSize: num(dig(o, 'datasets', 'train', 'patch_size')), lrG: num(dig(o, 'train', 'optim_g', 'lr')), lrD: num(dig(o, 'train', 'optim_d', 'lr')),
    ganWeight: num(dig(o, 'train', 'losses', 'gan', 'weight')), perceptualWeight: num(dig(o, 'train', 'losses', 'perceptual', 'weight')),
    channels: Array.isArray(channels) ? channels.map(Number) : null, valImages: num(dig(o, 'datasets', 'val', 'max_images')),
    valCrop: num(dig(o, 'datasets', 'val', 'crop')), valEvery: num(dig(o, 'logger', 'val_every')),
  };
}

function dig(o: unknown, ...path: string[]): unknown {
  let v = o;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

function num(v: unknown): number | null {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}
