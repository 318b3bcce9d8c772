// Studies: search by patient ID, accession number, date, job state and guard flag (newest
// first, keyset pages), one study with its instances and their jobs, and deleting an
// instance for good. Reading either is a view of patient data and audited as such; the audit
// row of a search names the filters used, never the patient ID or accession typed.
import { z } from 'zod';
import type { Database } from '../../db/index.js';
import { deleteInstance, searchStudies, studyDetail, type StudyFilter } from '../../jobs/index.js';
import { limitParam, studyDetailSchema, studySummarySchema } from '../../jobs/schemas.js';
import { JOB_STATES } from '../../queue/index.js';
import type { ApiRouter } from '../router.js';
import { idParams, optional } from './schemas.js';

export interface StudyRouteDeps {
  readonly db: Database;
  /** <dataDir>/derived, where the derived files of a deleted instance are. */
  readonly derivedDir: string;
}

const text = (max: number) => optional(z.string().trim().max(max));
const dicomDate = optional(z.string().regex(/^\d{4}-?\d{2}-?\d{2}$/, 'expected a date, YYYY-MM-DD or YYYYMMDD').transform((s) => s.replace(/-/g, '')));
export const jobStateParam = z.enum([...JOB_STATES, 'kept']);

const studiesQuery = z.strictObject({
  q: text(64), patientId: text(64), accession: text(64), from: dicomDate, to: dicomDate,
  state: optional(jobStateParam), guard: optional(z.enum(['flagged', 'ok'])),
  limit: limitParam(50, 200), cursor: optional(z.string().max(512)),
}).refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });
const studiesSchema = z.object({ items: z.array(studySummarySchema), nextCursor: z.string().nullable() });
const uidParams = z.object({ uid: z.string().regex(/^[0-9][0-9.]{0,63}$/, 'not a DICOM UID') });
const deletedSchema = z.object({
  instanceId: z.string(), sopInstanceUid: z.string(), studyInstanceUid: z.string(), jobs: z.number(), deliveries: z.number(), files: z.number(), bytes: z.number(),
});

/** Filter names present, and the values that identify nobody (states, dates, flags). */
function searchDetail(q: StudyFilter): Record<string, unknown> {
  const used = (['q', 'patientId', 'accession', 'from', 'to', 'state', 'guard', 'cursor'] as const).filter((k) => q[k] !== undefined);
  return { filters: used, ...(q.state ? { state: q.state } : {}), ...(q.guard ? { guard: q.guard } : {}), ...(q.from ? { from: q.from } : {}), ...(q.to ? { to: q.to } : {}) };
}

export function registerStudyRoutes(api: ApiRouter, deps: StudyRouteDeps): void {
  const { db } = deps;
  api.route({
    method: 'get', path: '/studies', tag: 'studies', role: 'viewer', query: studiesQuery, response: studiesSchema,
    summary: 'Search studies (newest first; audited as a view of patient data)',
    description: 'patientId and accession match exactly (ignoring case), q matches part of a patient ID, accession or Study Instance UID. from/to bound the study date (the receipt date when a study has none). Pass nextCursor back as cursor for the next page.',
    async handler({ query, audit }) {
      const result = await searchStudies(db, query);
      await audit('patient.search', 'studies', { ...searchDetail(query), results: result.items.length });
      return result;
    },
  });
  api.route({
    method: 'get', path: '/studies/:uid', tag: 'studies', role: 'viewer', params: uidParams, response: studyDetailSchema,
    summary: 'One study: its instances and their jobs (audited as a view of patient data)',
    async handler({ params, audit }) {
      const detail = await studyDetail(db, params.uid);
      await audit('patient.view', `study:${params.uid}`, { instances: detail.instances.length });
      return detail;
    },
  });
  api.route({
    method: 'delete', path: '/instances/:id', tag: 'studies', role: 'admin', params: idParams, response: deletedSchema,
    summary: 'Delete a received instance: its file, its derived files, its jobs and deliveries (audited)',
    description: '409 while one of its jobs is being processed. Reader feedback on its derived series stays (unlinked from the job).',
    async handler({ params, audit }) {
      const deleted = await deleteInstance(deps, params.id);
      await audit('instance.delete', `instance:${params.id}`, { ...deleted });
      return deleted;
    },
  });
}
