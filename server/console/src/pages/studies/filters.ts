// The studies search as it lives in the URL (so a search can be bookmarked, reloaded and sent
// to a colleague) and as the API takes it. No DOM or React here: the node tests run it.

export const STUDY_FILTER_KEYS = ['q', 'patientId', 'accession', 'from', 'to', 'state', 'guard'] as const;
export type StudyFilterKey = (typeof STUDY_FILTER_KEYS)[number];
export type StudyFilters = Readonly<Partial<Record<StudyFilterKey, string>>>;

/** The job states the API filters by (server/src/queue JOB_STATES plus 'kept'). */
export const JOB_STATES = ['received', 'queued', 'processing', 'exported', 'kept', 'failed', 'dead'] as const;
export const GUARD_VALUES = ['flagged', 'ok'] as const;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The filters set in a query string; values the API would refuse (a bad state, date) are left out. */
export function readStudyFilters(search: URLSearchParams): StudyFilters {
  const out: Partial<Record<StudyFilterKey, string>> = {};
  for (const key of STUDY_FILTER_KEYS) {
    const v = search.get(key)?.trim();
    if (!v) continue;
    if ((key === 'from' || key === 'to') && !DATE.test(v)) continue;
    if (key === 'state' && !(JOB_STATES as readonly string[]).includes(v)) continue;
    if (key === 'guard' && !(GUARD_VALUES as readonly string[]).includes(v)) continue;
    out[key] = v.slice(0, 64);
  }
  return out;
}

export function hasFilters(f: StudyFilters): boolean {
  return STUDY_FILTER_KEYS.some((k) => !!f[k]);
}

/** Why the API would refuse these filters, worded for the form, or undefined. */
export function filterProblem(f: StudyFilters): string | undefined {
  if (f.from && f.to && f.from > f.to) return 'The "from" date is after the "to" date.';
  return undefined;
}

/** GET /api/studies with these filters (and a cursor for the next page). */
export function studiesPath(f: StudyFilters, options: { limit?: number; cursor?: string } = {}): string {
  const q = new URLSearchParams();
  for (const key of STUDY_FILTER_KEYS) if (f[key]) q.set(key, f[key]!);
  if (options.limit) q.set('limit', String(options.limit));
  if (options.cursor) q.set('cursor', options.cursor);
  const s = q.toString();
  return `/api/studies${s ? `?${s}` : ''}`;
}

/** The viewer's comparison of a study (the OHIF mode the viewer extension registers). */
export function ohifStudyUrl(studyInstanceUid: string): string {
  return `/viewer/sharpxr-compare?StudyInstanceUIDs=${encodeURIComponent(studyInstanceUid)}`;
}
