// Response schemas of the training routes (they document /api/openapi.json; the request
// schemas live with the manager in server/src/training/params.ts).
import { z } from 'zod';
import { RUN_STATES, STAGE_CHOICES, startSchema } from '../../training/index.js';

const nullableNumber = z.number().nullable();

const defaults = z.object({
  totalSteps: nullableNumber, batchSize: nullableNumber, patchSize: nullableNumber, lrG: nullableNumber, lrD: nullableNumber,
  ganWeight: nullableNumber, perceptualWeight: nullableNumber, channels: z.array(z.number()).nullable(), valImages: nullableNumber,
  valCrop: nullableNumber, valEvery: nullableNumber,
});

export const presetSchema = z.object({
  name: z.string(), description: z.string(), dataPreset: z.string(), classes: z.array(z.string()).nullable(),
  files: z.object({ stage1: z.string().nullable(), gan: z.string().nullable() }), stage1: defaults.nullable(), gan: defaults.nullable(),
});

export const datasetSchema = z.object({
  path: z.string(), layout: z.enum(['kaggle', 'splits', 'flat']), trainImages: z.number(), valImages: z.number(), holdout: z.number(),
  classes: z.array(z.string()).nullable(), truncated: z.boolean(), description: z.string(),
});

const valPoint = z.object({ x: z.number(), stage: z.number(), step: z.number(), psnr: z.number(), ssim: z.number(), psnrNoisy: z.number(), ssimNoisy: z.number() });

export const summarySchema = z.object({
  id: z.string(), name: z.string(), state: z.enum(RUN_STATES), phase: z.string().nullable().describe('stage1, gan or eval while running'),
  queuePosition: z.number().nullable().describe('1 = next to run'), preset: z.string(), stages: z.enum(STAGE_CHOICES), dataset: z.string(),
  stage: z.number().nullable(), step: z.number().describe('steps over all stages'), totalSteps: z.number().nullable(), progress: z.number().describe('0..1'),
  etaSec: z.number().nullable(), lastVal: valPoint.pick({ psnr: true, ssim: true, psnrNoisy: true, ssimNoisy: true }).nullable(),
  error: z.string().nullable(), modelId: z.string().nullable(), createdBy: z.string(), createdAt: z.string(), startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(), interruptedBy: z.enum(['user', 'node']).nullable(), resumable: z.boolean(), registrable: z.boolean(),
});

const methodFigures = z.object({ psnr: z.number(), ssim: z.number(), grad_ratio: z.number() });

export const detailSchema = summarySchema.extend({
  params: startSchema, datasetInfo: datasetSchema,
  stageProgress: z.array(z.object({ stage: z.number(), key: z.string(), totalSteps: z.number().nullable(), step: z.number(), done: z.boolean() })),
  losses: z.array(z.object({ x: z.number(), stage: z.number(), step: z.number(), g: z.number().describe('generator loss (sum of its terms)'), d: z.number().nullable().describe('discriminator loss, stage 2') })),
  val: z.array(valPoint),
  sample: z.object({ stage: z.number(), step: z.number(), url: z.string(), at: z.string() }).nullable(),
  data: z.object({ layout: z.string().nullable(), holdout: z.number(), valRoot: z.string(), valSplit: z.string(), trainImages: z.number(), valImages: z.number() }).nullable(),
  evaluation: z.object({
    methods: z.array(z.string()), images: z.number(), seconds: z.number(), markdown: z.string(), gridUrl: z.string(),
    settings: z.array(z.object({ key: z.string(), label: z.string(), nlmH: z.number(), results: z.record(z.string(), methodFigures) })),
  }).nullable(),
});

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const registerBody = z.object({
  name: z.string().regex(MODEL_NAME, 'letters, digits, . _ - (up to 64)').optional(),
  version: z.string().regex(MODEL_NAME, 'letters, digits, . _ - (up to 64)').optional(),
}).strict();
