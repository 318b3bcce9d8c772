// The viewer's routes on the node's API router: feedback in and out, and what the node knows
// about the derived series OHIF shows. Every route needs a login (the viewer role at least).
import { z } from 'zod';
import type { Database } from '../db/index.js';
import type { ApiRouter } from '../api/router.js';
import { notFound } from '../http/errors.js';
import { isValidUid } from '../derive/uids.js';
import { recordFeedback, VERDICTS } from './feedback.js';
import { listFeedback, parseModelFilter } from './feedback-query.js';
import { derivedSeries, studiesWithDerived } from './derived-series.js';

const uid = z.string().trim().refine(isValidUid, 'not a DICOM UID (digits and dots, at most 64 characters)');
/** Absent, null and "" all mean "not given" (forms send empty fields). */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === null || v === '' ? undefined : v), schema.optional());
const label = (max: number) => z.string().trim().min(1).max(max);

const feedbackBody = z.strictObject({
  seriesInstanceUid: uid,
  verdict: z.enum(VERDICTS),
  reason: optional(z.string().trim().max(1000)),
  modelId: optional(label(64)),
  modelVersion: optional(label(64)),
  sopInstanceUid: optional(uid),
  studyInstanceUid: optional(uid),
  reader: optional(label(64)),
});

const feedbackQuery = z.object({
  model: optional(z.string().trim().regex(/^[^@]+(@.+)?$/, 'expected <modelId> or <modelId>@<version>')),
  limit: optional(z.coerce.number().int().min(1).max(1000)),
  since: optional(z.iso.datetime({ offset: true }).or(z.iso.date()).transform((s) => new Date(s))),
});

const seriesParams = z.object({ seriesInstanceUid: uid });
const seriesQuery = z.object({ sopInstanceUid: optional(uid) });
const studiesQuery = z.object({
  studyInstanceUid: optional(z.union([z.string(), z.array(z.string())]).transform((v) => [v].flat().flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)).pipe(z.array(uid))),
});

/** A verdict with a 1000-character reason is under 2 kB; anything near this limit is not feedback. */
export const BODY_LIMIT_BYTES = 16 * 1024;

const tally = z.object({ accept: z.number(), reject: z.number() });
const feedbackSummary = z.object({ total: z.number(), accept: z.number(), reject: z.number(), byVersion: z.record(z.string(), tally) });

export function registerViewerRoutes(api: ApiRouter, db: Database): void {
  api.route({
    method: 'post', path: '/feedback', tag: 'viewer', role: 'viewer', body: feedbackBody, bodyLimitBytes: BODY_LIMIT_BYTES, status: 201,
    summary: 'A reader\'s verdict (accept or reject) on a derived series',
    description: 'The reader is the logged-in user. When the series is one this node made, the job says which model made it (409 when the client claims another).',
    // The logged-in user is the reader: a client cannot file a verdict in someone else's name.
    handler: async ({ body, user }) => recordFeedback(db, { ...body, reader: user.username }),
  });
  api.route({
    method: 'get', path: '/feedback', tag: 'viewer', role: 'viewer', query: feedbackQuery,
    response: z.object({ items: z.array(z.record(z.string(), z.unknown())), summary: feedbackSummary }),
    summary: 'Readers\' verdicts, newest first, and the accept/reject tally per model version',
    handler: async ({ query: q }) => listFeedback(db, { ...(q.model ? parseModelFilter(q.model) : {}), since: q.since, limit: q.limit }),
  });
  api.route({
    method: 'get', path: '/viewer/studies', tag: 'viewer', role: 'viewer', query: studiesQuery, response: z.object({ studyInstanceUids: z.array(z.string()) }),
    summary: 'Which of the given studies have a derived series of this node (the compare mode is offered for them)',
    handler: async ({ query: q }) => ({ studyInstanceUids: await studiesWithDerived(db, q.studyInstanceUid) }),
  });
  api.route({
    method: 'get', path: '/viewer/series/:seriesInstanceUid', tag: 'viewer', role: 'viewer', params: seriesParams, query: seriesQuery,
    summary: 'The job behind a derived series: model, guard figures, source',
    async handler({ params, query }) {
      const series = await derivedSeries(db, params.seriesInstanceUid, query.sopInstanceUid);
      if (!series) throw notFound(`seriesInstanceUid: no job of this node made the series ${params.seriesInstanceUid}${query.sopInstanceUid ? ` with instance ${query.sopInstanceUid}` : ''}`);
      return series;
    },
  });
}
