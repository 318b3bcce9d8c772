// Training runs over HTTP: presets, the dataset check, start (queued behind the run in
// progress), the run with its live progress (also as server-sent events), cancel, resume, the
// sample image and the evaluation grid, and "register as model". Viewers watch; operators
// start, cancel, resume and register (a registered model is a candidate: promoting it is an
// admin's, on /api/models). Audited: training.start, training.cancel, training.resume, training.register.
import { createReadStream, existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { notFound } from '../../http/errors.js';
import { startSchema, type TrainingManager } from '../../training/index.js';
import type { ApiRouter, RouteContext } from '../router.js';
import { idParams } from './schemas.js';
import { datasetSchema, detailSchema, presetSchema, registerBody, summarySchema } from './training-schemas.js';

export interface TrainingRouteDeps {
  readonly training: TrainingManager;
}

const subject = (id: string): string => `training:${id}`;

export function registerTrainingRoutes(api: ApiRouter, deps: TrainingRouteDeps): void {
  const { training } = deps;
  api.route({
    method: 'get', path: '/training/presets', tag: 'training', role: 'viewer', response: z.object({ items: z.array(presetSchema) }),
    summary: 'The training presets (training/options) with their defaults',
    handler: async () => ({ items: training.presets() }),
  });
  api.route({
    method: 'get', path: '/training/dataset', tag: 'training', role: 'operator', response: datasetSchema,
    query: z.object({ path: z.string().min(1).max(4096), preset: z.string().max(64).optional() }),
    summary: 'Check a dataset folder on the server: exists, holds images, which layout (Kaggle, train/+val/, flat)',
    handler: ({ query }) => training.inspect(query.path, query.preset),
  });
  api.route({
    method: 'get', path: '/training/runs', tag: 'training', role: 'viewer', response: z.object({ items: z.array(summarySchema) }),
    summary: 'Training runs, newest first, with state, queue position, progress and ETA',
    handler: async () => ({ items: await training.list() }),
  });
  api.route({
    method: 'post', path: '/training/runs', tag: 'training', role: 'operator', body: startSchema, response: detailSchema, status: 201,
    summary: 'Start a training run (queued while another one runs)',
    description: 'The dataset folder is checked first (400 naming the problem); 409 when the name is taken.',
    async handler({ body, user, audit }) {
      const run = await training.create(body, user.username);
      await audit('training.start', subject(run.id), { name: run.name, preset: body.preset, stages: body.stages, dataset: body.dataset, layout: run.datasetInfo.layout, noise: body.noise.type, hyper: body.hyper });
      return run;
    },
  });
  api.route({
    method: 'get', path: '/training/runs/:id', tag: 'training', role: 'viewer', params: idParams, response: detailSchema,
    summary: 'One run: loss curves (G and D), validation PSNR/SSIM, sample image, ETA, evaluation report',
    handler: ({ params }) => training.get(params.id),
  });
  api.route({
    method: 'get', path: '/training/runs/:id/events', tag: 'training', role: 'viewer', params: idParams, raw: true, produces: 'text/event-stream',
    summary: 'Server-sent events: "run" with the whole run (as GET /training/runs/:id) at once and on every change',
    handler: (ctx) => streamRun(training, ctx),
  });
  api.route({
    method: 'post', path: '/training/runs/:id/cancel', tag: 'training', role: 'operator', params: idParams, response: detailSchema,
    summary: 'Cancel: a running run stops with a checkpoint (interrupted, resumable); a queued or interrupted one is cancelled for good',
    async handler({ params, audit }) {
      const { run, from } = await training.cancel(params.id);
      await audit('training.cancel', subject(run.id), { name: run.name, from, to: run.state, step: run.step });
      return run;
    },
  });
  api.route({
    method: 'post', path: '/training/runs/:id/resume', tag: 'training', role: 'operator', params: idParams, response: detailSchema,
    summary: 'Resume an interrupted or failed run from its last checkpoint (queued again)',
    async handler({ params, audit }) {
      const run = await training.resume(params.id);
      await audit('training.resume', subject(run.id), { name: run.name, step: run.step });
      return run;
    },
  });
  api.route({
    method: 'post', path: '/training/runs/:id/register', tag: 'training', role: 'operator', params: idParams, body: registerBody,
    response: z.object({ run: detailSchema, model: z.object({ id: z.string(), name: z.string(), version: z.string(), status: z.string() }).passthrough(), report: z.record(z.string(), z.unknown()) }),
    status: 201, summary: 'Export the finished run to ONNX and add it to the model registry (validated; not promoted)',
    async handler({ params, body, user, audit }) {
      try {
        const { run, model, report } = await training.register(params.id, body, { createdBy: user.username, audit });
        await audit('training.register', subject(run.id), { name: run.name, model: model.id, modelName: model.name, version: model.version });
        return { run, model, report };
      } catch (err) {
        await audit('training.register', subject(params.id), { reason: (err as Error).message }, 'failed');
        throw err;
      }
    },
  });
  api.route({
    method: 'get', path: '/training/runs/:id/sample.png', tag: 'training', role: 'viewer', params: idParams, raw: true, produces: 'image/png',
    query: z.object({ stage: z.coerce.number().int().min(1).max(2).optional(), step: z.coerce.number().int().min(0).optional() }),
    summary: 'The latest sample image (noisy | output | clean), or the one of ?stage=&step=',
    async handler({ params, query, res }) {
      const { row, progress } = await training.raw(params.id);
      const sample = progress.sample;
      const stage = progress.stages.find((s) => s.stage === (query.stage ?? sample?.stage));
      const file = query.step !== undefined && stage ? join(row.runDir, stage.name, 'samples', `step-${String(query.step).padStart(7, '0')}.png`) : sample?.file;
      sendPng(res, row.runDir, file, query.step !== undefined);
    },
  });
  api.route({
    method: 'get', path: '/training/runs/:id/eval/grid.png', tag: 'training', role: 'viewer', params: idParams, raw: true, produces: 'image/png',
    summary: 'The evaluation grid (noisy, NLM, the run\'s models, clean; |error| rows)',
    async handler({ params, res }) {
      const { row, progress } = await training.raw(params.id);
      sendPng(res, row.runDir, progress.evaluation?.grid, false);
    },
  });
}

/** A PNG of the run's folder (never a path outside it). */
function sendPng(res: RouteContext<unknown, unknown, unknown>['res'], runDir: string, file: string | undefined, immutable: boolean): void {
  const path = file ? resolve(file) : undefined;
  const rel = path ? relative(resolve(runDir), path) : '..';
  if (!path || rel.startsWith('..') || !existsSync(path)) throw notFound('no such image (yet) for this run');
  res.status(200).set({ 'Content-Type': 'image/png', 'Cache-Control': immutable ? 'private, max-age=86400, immutable' : 'no-cache' });
  createReadStream(path).on('error', () => res.destroy()).pipe(res);
}

async function streamRun(training: TrainingManager, ctx: RouteContext<{ id: string }, unknown, unknown>): Promise<void> {
  const { params, req, res } = ctx;
  await training.get(params.id); // 404 before the stream starts
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  res.write('retry: 2000\n\n');
  let busy = false;
  let again = false;
  const send = async (): Promise<void> => {
    if (busy) { again = true; return; }
    busy = true;
    try {
      do {
        again = false;
        const run = await training.get(params.id);
        if (!res.writableEnded) res.write(`event: run\ndata: ${JSON.stringify(run)}\n\n`);
      } while (again);
    } catch {
      res.end();
    } finally {
      busy = false;
    }
  };
  const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
  const unsubscribe = training.subscribe(params.id, () => void send(), () => res.end());
  req.on('close', () => { clearInterval(ping); unsubscribe(); });
  await send();
}
