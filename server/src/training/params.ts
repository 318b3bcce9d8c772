// What an operator asks for when starting a run (POST /api/training/runs), validated at the
// edge, and how it becomes the trainer's command line: the preset's YAML file plus
// `--set key=value` overrides (values are JSON, which the trainer parses as YAML).
import { z } from 'zod';

export const STAGE_CHOICES = ['stage1', 'gan', 'both'] as const;
export type StageChoice = (typeof STAGE_CHOICES)[number];

/** A value or a [lo, hi] range drawn per image (training/data/noise.py). */
const range = (min: number, max: number) => z.union([
  z.number().min(min).max(max),
  z.tuple([z.number().min(min).max(max), z.number().min(min).max(max)]).refine(([lo, hi]) => lo <= hi, 'the range must be [low, high]'),
]);

export const noiseSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('preset') }).describe('The preset\'s own noise model (blind: Gaussian or Poisson–Gaussian per image)'),
  z.object({ type: z.literal('gaussian'), sigma: range(0.5, 100).describe('σ on the 0–255 scale') }),
  z.object({
    type: z.literal('poisson_gaussian'), peak: range(1, 1e6).describe('photons at full signal'), readSigma: range(0, 50).default(0),
    transmitted: z.boolean().default(true).describe('bright (bone) areas get the fewest photons'),
  }),
]);
export type NoiseChoice = z.output<typeof noiseSchema>;

const int = (min: number, max: number) => z.number().int().min(min).max(max);

export const hyperSchema = z.object({
  totalSteps: int(1, 1_000_000).describe('stage-1 steps'),
  ganSteps: int(1, 1_000_000).describe('stage-2 (GAN) steps'),
  batchSize: int(1, 256),
  patchSize: int(16, 2048).refine((v) => v % 8 === 0, 'must be a multiple of 8'),
  lrG: z.number().gt(0).max(0.1),
  lrD: z.number().gt(0).max(0.1),
  ganWeight: z.number().min(0).max(1),
  perceptualWeight: z.number().min(0).max(10),
  channels: z.array(int(2, 1024)).min(2).max(7).describe('U-Net widths per level'),
  seed: int(0, 2 ** 31 - 1),
  logEvery: int(1, 100_000),
  valEvery: int(1, 1_000_000),
  ckptEvery: int(1, 1_000_000),
  valImages: int(1, 1000).describe('validation (and evaluation) images'),
  valCrop: int(16, 4096).describe('centre crop of validation and evaluation images, px'),
}).partial().strict();
export type Hyper = z.output<typeof hyperSchema>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export const startSchema = z.object({
  name: z.string().regex(NAME, 'letters, digits, . _ - (up to 63), starting with a letter or digit').optional(),
  dataset: z.string().min(1).max(4096).describe('a folder on the server: Kaggle layout, train/ + val/, or a flat folder of images'),
  preset: z.string().min(1).max(64).default('product'),
  stages: z.enum(STAGE_CHOICES).default('both'),
  initFromRun: z.string().min(1).max(64).optional().describe('stages "gan": the training run whose stage-1 checkpoint the GAN starts from'),
  initFromCheckpoint: z.string().min(1).max(4096).optional().describe('stages "gan": a stage-1 checkpoint file on the server instead'),
  noise: noiseSchema.default({ type: 'preset' }),
  hyper: hyperSchema.default({}),
}).strict();
export type StartParams = z.output<typeof startSchema>;

/** One Python stage of a run: its number, folder name and step count. */
export interface StagePlan {
  readonly stage: 1 | 2;
  readonly key: 'stage1' | 'gan';
  /** The trainer's run name (folder under the run's directory). */
  readonly name: string;
  /** As asked, else the preset's (the trainer's start event says for sure). */
  readonly totalSteps: number | null;
}

export function planStages(runName: string, p: Pick<StartParams, 'stages' | 'hyper'>, presetSteps: { stage1: number | null; gan: number | null }): StagePlan[] {
  const { stages } = p;
  const s1: StagePlan = { stage: 1, key: 'stage1', name: `${runName}-stage1`, totalSteps: p.hyper.totalSteps ?? presetSteps.stage1 };
  const s2: StagePlan = { stage: 2, key: 'gan', name: `${runName}-gan`, totalSteps: p.hyper.ganSteps ?? presetSteps.gan };
  return stages === 'stage1' ? [s1] : stages === 'gan' ? [s2] : [s1, s2];
}

/** The --set overrides of one stage (everything not given stays the preset's). */
export function stageOverrides(p: StartParams, plan: StagePlan, o: { runsDir: string; threads: number; initFrom?: string; dataDescription?: string }): string[] {
  const h = p.hyper;
  const set: [string, unknown][] = [['name', plan.name], ['runs_dir', o.runsDir], ['threads', o.threads], ['device', 'cpu']];
  // The preset's description names its own dataset (Kaggle): the exported model's training_data
  // metadata must say what this run trained on.
  if (o.dataDescription) set.push(['datasets.train.description', o.dataDescription]);
  const steps = plan.stage === 1 ? h.totalSteps : h.ganSteps;
  const pairs: [string, unknown][] = [
    ['train.total_steps', steps], ['datasets.train.batch_size', h.batchSize], ['datasets.train.patch_size', h.patchSize],
    ['train.optim_g.lr', h.lrG], ['network_g.channels', h.channels], ['seed', h.seed], ['logger.log_every', h.logEvery],
    ['logger.val_every', h.valEvery], ['logger.ckpt_every', h.ckptEvery], ['datasets.val.max_images', h.valImages],
    ['datasets.val.crop', h.valCrop], ['train.losses.perceptual.weight', h.perceptualWeight],
  ];
  if (plan.stage === 2) pairs.push(['train.optim_d.lr', h.lrD], ['train.losses.gan.weight', h.ganWeight], ['train.init_from', o.initFrom]);
  for (const pair of pairs) if (pair[1] !== undefined) set.push(pair);
  const noise = trainingNoise(p.noise);
  if (noise) set.push(['datasets.train.noise', noise], ['datasets.val.noise', validationNoise(p.noise)]);
  return set.flatMap(([k, v]) => ['--set', `${k}=${JSON.stringify(v)}`]);
}

function trainingNoise(n: NoiseChoice): Record<string, unknown> | null {
  if (n.type === 'preset') return null;
  if (n.type === 'gaussian') return { type: 'gaussian', sigma: n.sigma };
  return { type: 'poisson_gaussian', peak: n.peak, read_sigma: n.readSigma, transmitted: n.transmitted };
}

/** Validation noise is fixed per image: the middle of each range (geometric for photon counts). */
function validationNoise(n: NoiseChoice): Record<string, unknown> | null {
  const mid = (v: number | readonly [number, number], geometric = false): number =>
    typeof v === 'number' ? v : geometric ? Math.sqrt(v[0] * v[1]) : (v[0] + v[1]) / 2;
  if (n.type === 'gaussian') return { type: 'gaussian', sigma: mid(n.sigma) };
  if (n.type === 'poisson_gaussian') return { type: 'poisson_gaussian', peak: mid(n.peak, true), read_sigma: mid(n.readSigma), transmitted: n.transmitted };
  return null;
}
