// The viewer's JSON API under /api: feedback in and out, and what the node knows about the
// derived series OHIF shows. Requests are validated with zod; every failure is thrown and
// mapped to its status by the app's one error handler (http/errors.ts).
import express, { type Router } from 'express';
import { z } from 'zod';
import type { Database } from '../db/index.js';
import { HttpError, notFound } from '../http/errors.js';
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

export function viewerApi(db: Database): Router {
  const api = express.Router();
  api.use(express.json({ limit: BODY_LIMIT_BYTES }));
  api.post('/feedback', async (req, res) => {
    // express.json skips other types and leaves no body: say why instead of "field required".
    // Requiring JSON also keeps other sites out: a cross-site form can only send text/plain or
    // form types without a CORS preflight, and this node sends no CORS headers to approve one.
    if (!req.is('application/json')) throw new HttpError(415, 'body: send Content-Type: application/json');
    const body = feedbackBody.parse(req.body ?? {});
    res.status(201).json(await recordFeedback(db, body));
  });
  api.get('/feedback', async (req, res) => {
    const q = feedbackQuery.parse(req.query);
    res.json(await listFeedback(db, { ...(q.model ? parseModelFilter(q.model) : {}), since: q.since, limit: q.limit }));
  });
  api.get('/viewer/studies', async (req, res) => {
    const q = studiesQuery.parse(req.query);
    res.json({ studyInstanceUids: await studiesWithDerived(db, q.studyInstanceUid) });
  });
  api.get('/viewer/series/:seriesInstanceUid', async (req, res) => {
    const { seriesInstanceUid } = seriesParams.parse(req.params);
    const { sopInstanceUid } = seriesQuery.parse(req.query);
    const series = await derivedSeries(db, seriesInstanceUid, sopInstanceUid);
    if (!series) throw notFound(`seriesInstanceUid: no job of this node made the series ${seriesInstanceUid}${sopInstanceUid ? ` with instance ${sopInstanceUid}` : ''}`);
    res.json(series);
  });
  api.use((req) => {
    throw notFound(`no API route ${req.method} ${req.baseUrl}${req.path}`);
  });
  return api;
}
