// The start form's state and the request it makes (POST /api/training/runs), kept as plain
// functions: fields are strings while typed; numbers are checked here first (so a typo is named
// at once), the node checks everything again and its "field: message" errors are split back
// onto the fields.
import type { Preset, PresetDefaults, StageChoice } from './types.js';

export interface FormState {
  dataset: string;
  preset: string;
  stages: StageChoice;
  initFromRun: string;
  name: string;
  noise: 'preset' | 'gaussian' | 'poisson_gaussian';
  sigmaLo: string;
  sigmaHi: string;
  peakLo: string;
  peakHi: string;
  readSigma: string;
  hyper: Record<string, string>;
}

export interface HyperField {
  readonly key: string;
  readonly label: string;
  /** 1 or 2: only shown when that stage runs. */
  readonly stage?: 1 | 2;
  readonly integer?: boolean;
  placeholder(preset: Preset | undefined): string;
}

const from = (stage: 'stage1' | 'gan', key: keyof PresetDefaults) => (p: Preset | undefined): string => {
  const v = p?.[stage]?.[key] ?? p?.stage1?.[key] ?? p?.gan?.[key];
  return v === null || v === undefined ? '' : Array.isArray(v) ? v.join(', ') : String(v);
};

export const HYPER_FIELDS: readonly HyperField[] = [
  { key: 'totalSteps', label: 'Stage-1 steps', stage: 1, integer: true, placeholder: from('stage1', 'totalSteps') },
  { key: 'ganSteps', label: 'GAN steps', stage: 2, integer: true, placeholder: from('gan', 'totalSteps') },
  { key: 'batchSize', label: 'Batch size', integer: true, placeholder: from('stage1', 'batchSize') },
  { key: 'patchSize', label: 'Patch size (px)', integer: true, placeholder: from('stage1', 'patchSize') },
  { key: 'lrG', label: 'Learning rate G', placeholder: from('stage1', 'lrG') },
  { key: 'lrD', label: 'Learning rate D', stage: 2, placeholder: from('gan', 'lrD') },
  { key: 'ganWeight', label: 'Adversarial weight', stage: 2, placeholder: from('gan', 'ganWeight') },
  { key: 'perceptualWeight', label: 'Perceptual (VGG) weight', placeholder: from('stage1', 'perceptualWeight') },
  { key: 'channels', label: 'U-Net widths', placeholder: from('stage1', 'channels') },
  { key: 'valEvery', label: 'Validate every (steps)', integer: true, placeholder: from('stage1', 'valEvery') },
  { key: 'valImages', label: 'Validation images', integer: true, placeholder: from('stage1', 'valImages') },
  { key: 'valCrop', label: 'Validation crop (px)', integer: true, placeholder: from('stage1', 'valCrop') },
  { key: 'logEvery', label: 'Log every (steps)', integer: true, placeholder: () => '20' },
  { key: 'ckptEvery', label: 'Checkpoint every (steps)', integer: true, placeholder: () => '250' },
  { key: 'seed', label: 'Seed', integer: true, placeholder: () => '0' },
];

type Errors = Record<string, string>;

function number(text: string, field: string, errors: Errors, integer = false): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const v = Number(t);
  if (!Number.isFinite(v)) errors[field] = `"${t}" is not a number`;
  else if (integer && !Number.isInteger(v)) errors[field] = 'a whole number';
  return v;
}

function range(lo: string, hi: string, field: string, errors: Errors): number | [number, number] | undefined {
  const a = number(lo, field, errors);
  const b = number(hi, field, errors);
  if (a === undefined) errors[field] ??= 'required';
  if (a === undefined || errors[field]) return undefined;
  return b === undefined || b === a ? a : [a, b];
}

/** The request body, or the fields' errors. */
export function buildBody(f: FormState): { body: Record<string, unknown>; errors: Errors } {
  const errors: Errors = {};
  if (!f.dataset.trim()) errors.dataset = 'the folder on the server to train on';
  const hyper: Record<string, unknown> = {};
  for (const h of HYPER_FIELDS) {
    const text = f.hyper[h.key] ?? '';
    if (!text.trim()) continue;
    if (h.key === 'channels') {
      const parts = text.split(/[\s,]+/).filter(Boolean).map(Number);
      if (parts.some((n) => !Number.isInteger(n))) errors['hyper.channels'] = 'whole numbers separated by commas, e.g. 16, 32, 64';
      else hyper.channels = parts;
    } else hyper[h.key] = number(text, `hyper.${h.key}`, errors, h.integer);
  }
  const body: Record<string, unknown> = { dataset: f.dataset.trim(), preset: f.preset, stages: f.stages, hyper, noise: noise(f, errors) };
  if (f.name.trim()) body.name = f.name.trim();
  if (f.stages === 'gan') {
    if (f.initFromRun) body.initFromRun = f.initFromRun;
    else errors.initFromRun = 'the GAN starts from a finished stage-1 run';
  }
  return { body, errors };
}

function noise(f: FormState, errors: Errors): Record<string, unknown> {
  if (f.noise === 'gaussian') return { type: 'gaussian', sigma: range(f.sigmaLo, f.sigmaHi, 'noise.sigma', errors) };
  if (f.noise === 'poisson_gaussian') {
    return { type: 'poisson_gaussian', peak: range(f.peakLo, f.peakHi, 'noise.peak', errors), readSigma: number(f.readSigma, 'noise.readSigma', errors) ?? 0, transmitted: true };
  }
  return { type: 'preset' };
}

/**
 * "hyper.batchSize: Too small; dataset: /x does not exist" → one message per field; the field
 * is the path up to its first number index ("noise.sigma.1" belongs to noise.sigma).
 */
export const FORM_FIELDS: readonly string[] = ['dataset', 'name', 'preset', 'stages', 'initFromRun', 'noise', 'noise.sigma', 'noise.peak', 'noise.readSigma', ...HYPER_FIELDS.map((h) => `hyper.${h.key}`)];

export function splitErrors(message: string, known: readonly string[] = FORM_FIELDS): { fields: Errors; rest: string | null } {
  const fields: Errors = {};
  const rest: string[] = [];
  for (const part of message.split('; ')) {
    const m = /^([A-Za-z][\w.]*): (.+)$/.exec(part);
    const path = m ? m[1]!.split('.').filter((p) => !/^\d+$/.test(p)).join('.') : '';
    if (!m || !known.includes(path)) {
      rest.push(part);
      continue;
    }
    fields[path] = fields[path] ? `${fields[path]}; ${m[2]}` : m[2]!;
  }
  return { fields, rest: rest.length > 0 ? rest.join('; ') : null };
}
