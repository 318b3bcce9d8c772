// Jobs: the list (by state and role, newest first), one job with its timeline, deliveries,
// audit trail and shadow counterpart, its source and derived images at full bit depth for the
// comparison view, and the operator's actions: retry, send again, send a held image,
// reprocess with another registry model. Every action and every image view is audited.
import { z } from 'zod';
import type { Database } from '../../db/index.js';
import { HttpError, notFound } from '../../http/errors.js';
import { findJob, jobDetail, JobActions, listJobs, type ImageRenderer, type JobActionDeps, type RenderedImage } from '../../jobs/index.js';
import { jobDetailSchema, jobSchema, limitParam } from '../../jobs/schemas.js';
import { jobView } from '../../jobs/views.js';
import { DecodeError } from '../../pipeline/decode/index.js';
import { JOB_ROLES } from '../../queue/index.js';
import type { ApiRouter, RouteContext } from '../router.js';
import { idParams, optional } from './schemas.js';
import { jobStateParam } from './studies.js';

export interface JobRouteDeps extends JobActionDeps {
  readonly db: Database;
  readonly images: ImageRenderer;
}

const jobsQuery = z.strictObject({
  state: optional(jobStateParam), role: optional(z.enum(JOB_ROLES)), limit: limitParam(50, 200), cursor: optional(z.string().max(512)),
});
const jobsSchema = z.object({ items: z.array(jobSchema), nextCursor: z.string().nullable() });
const imageQuery = z.strictObject({ which: z.enum(['source', 'derived']) });
const reprocessBody = z.strictObject({ modelId: z.string().min(1).max(64) });
const sendSchema = z.object({
  job: jobSchema, reusesDerivedFile: z.boolean(),
  reset: z.array(z.object({ destination: z.string(), state: z.string(), attempts: z.number(), sentAt: z.string().nullable() })),
});
const reprocessSchema = z.object({ job: jobSchema, model: z.object({ id: z.string(), name: z.string(), version: z.string() }) });

export function registerJobRoutes(api: ApiRouter, deps: JobRouteDeps): void {
  const { db } = deps;
  const actions = new JobActions(deps);
  const subject = (id: string): string => `job:${id}`;

  api.route({
    method: 'get', path: '/jobs', tag: 'jobs', role: 'viewer', query: jobsQuery, response: jobsSchema,
    summary: 'Jobs, newest first (pass nextCursor back as cursor for the next page)',
    handler: async ({ query }) => listJobs(db, query),
  });
  api.route({
    method: 'get', path: '/jobs/:id', tag: 'jobs', role: 'viewer', params: idParams, response: jobDetailSchema,
    summary: 'One job: its timeline through every stage, deliveries, audit trail and the shadow job of the same instance',
    handler: async ({ params }) => jobDetail(db, params.id),
  });
  api.route({
    method: 'get', path: '/jobs/:id/image', tag: 'jobs', role: 'viewer', params: idParams, query: imageQuery, raw: true,
    produces: 'application/octet-stream',
    summary: 'The source or derived image as stored: little-endian 16-bit pixel values at full bit depth (audited as a view of patient data)',
    description: 'Headers: X-Image-Width, X-Image-Height, X-Bits-Stored, X-Pixel-Representation (1: the words are two\'s complement), X-Photometric, X-Window-Center and X-Window-Width in stored-value units (the file\'s VOI mapped through the rescale, else the 0.5/99.5 % percentiles; X-Window-Source says which), X-Rescale-Slope, X-Rescale-Intercept. 404 when retention deleted the file, 422 when it cannot be decoded.',
    async handler(ctx) {
      const path = await imagePath(db, ctx.params.id, ctx.query.which);
      const image = await renderImage(deps.images, path);
      await ctx.audit('patient.view', subject(ctx.params.id), { image: ctx.query.which });
      sendImage(ctx, image);
    },
  });
  api.route({
    method: 'post', path: '/jobs/:id/retry', tag: 'jobs', role: 'operator', params: idParams, response: jobSchema,
    summary: 'Retry a failed or dead-lettered job now (attempts reset; audited as job.retry)',
    async handler({ params, user }) {
      // The queue's retry writes the 'job.retry' audit row (actor, previous state, attempts, error).
      const { job } = await actions.retry(params.id, user.username);
      return jobView(job);
    },
  });
  api.route({
    method: 'post', path: '/jobs/:id/send', tag: 'jobs', role: 'operator', params: idParams, response: sendSchema,
    summary: 'Send an exported job to every destination again (same derived UIDs: the PACS de-duplicates; audited)',
    async handler({ params, audit }) {
      const result = await actions.sendAgain(params.id);
      await audit('job.send', subject(params.id), { reset: result.reset, reusesDerivedFile: result.reusesDerivedFile });
      return { ...result, job: jobView(result.job) };
    },
  });
  api.route({
    method: 'post', path: '/jobs/:id/send-held', tag: 'jobs', role: 'operator', params: idParams, response: jobSchema,
    summary: 'Send an image the guard held anyway (GUARD stays in its series description; audited as job.send-held)',
    async handler({ params, user }) {
      // The queue's sendHeld writes the 'job.send-held' audit row with the guard's figures.
      return jobView(await actions.sendHeld(params.id, user.username));
    },
  });
  api.route({
    method: 'post', path: '/jobs/:id/reprocess', tag: 'jobs', role: 'operator', params: idParams, body: reprocessBody, response: reprocessSchema, status: 201,
    summary: 'Process the job\'s instance again with another registry model (a new job, role reprocess, sent like a primary one; audited)',
    async handler({ params, body, audit }) {
      const { job, model } = await actions.reprocess(params.id, body.modelId);
      await audit('job.reprocess', subject(params.id), { newJob: job.id, model: { id: model.id, name: model.name, version: model.version } });
      return { job: jobView(job), model: { id: model.id, name: model.name, version: model.version } };
    },
  });
}

async function imagePath(db: Database, id: string, which: 'source' | 'derived'): Promise<string> {
  const job = await findJob(db, id);
  if (which === 'derived') {
    if (!job.derivedPath) throw notFound(`job ${id} has no derived image (it is ${job.state})`);
    return job.derivedPath;
  }
  const instance = await db.instance.findUniqueOrThrow({ where: { id: job.instanceId } });
  if (instance.purgedAt) throw notFound(`the received file was deleted by retention on ${instance.purgedAt.toISOString()} (the PACS has the original)`);
  return instance.path;
}

async function renderImage(images: ImageRenderer, path: string): Promise<RenderedImage> {
  try {
    return await images.render(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound('the file is no longer on disk (deleted by retention); sending the job again derives it anew');
    if (err instanceof DecodeError) throw new HttpError(422, `cannot decode the image: ${err.message}`);
    throw err;
  }
}

function sendImage(ctx: RouteContext<unknown, unknown, unknown>, image: RenderedImage): void {
  const bytes = Buffer.from(image.words.buffer, image.words.byteOffset, image.words.byteLength);
  ctx.res.set({
    'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.length), 'Cache-Control': 'private, no-store',
    'X-Image-Width': String(image.width), 'X-Image-Height': String(image.height), 'X-Bits-Stored': String(image.bitsStored),
    'X-Pixel-Representation': String(image.pixelRepresentation), 'X-Photometric': image.photometric,
    'X-Window-Center': String(image.windowCenter), 'X-Window-Width': String(image.windowWidth), 'X-Window-Source': image.windowSource,
    'X-Rescale-Slope': String(image.rescaleSlope), 'X-Rescale-Intercept': String(image.rescaleIntercept),
  });
  ctx.res.end(bytes);
}
