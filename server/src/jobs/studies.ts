// Study search for the console: received instances grouped by Study Instance UID, newest
// first, with their jobs' states and guard flags. One grouped SELECT for the page (filters in
// HAVING, so a study's counts cover all its instances, not only the matching ones), then one
// grouped SELECT of the page's job counts.
import { Prisma } from '@prisma/client';
import type { Database } from '../db/index.js';
import { notFound } from '../http/errors.js';
import { decodeCursor, page } from './cursor.js';
import { iso, jobView, type JobView } from './views.js';

export interface StudyFilter {
  /** Free text: part of a patient ID, accession number or Study Instance UID. */
  readonly q?: string;
  readonly patientId?: string;
  readonly accession?: string;
  /** Study date range, YYYYMMDD inclusive (the receipt date when the study has none). */
  readonly from?: string;
  readonly to?: string;
  /** Studies with at least one job in this state. */
  readonly state?: string;
  readonly guard?: 'flagged' | 'ok';
  readonly limit: number;
  readonly cursor?: string;
}

export interface StudySummary {
  readonly studyInstanceUid: string;
  readonly patientId: string | null;
  readonly accessionNumber: string | null;
  readonly studyDate: string | null;
  readonly instances: number;
  readonly jobs: Record<string, number>;
  readonly guardFlagged: boolean;
  readonly lastReceivedAt: string;
}

interface StudyRow {
  uid: string;
  last: string | Date;
  n: bigint | number;
  patientId: string | null;
  accessionNumber: string | null;
  studyDate: string | null;
}

export async function searchStudies(db: Database, f: StudyFilter): Promise<{ items: StudySummary[]; nextCursor: string | null }> {
  const conditions = havingConditions(f);
  const having = conditions.length > 0 ? Prisma.sql`HAVING ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
  const rows = await db.$queryRaw<StudyRow[]>`
    SELECT i."studyInstanceUid" AS uid, MAX(i."receivedAt") AS last, COUNT(*) AS n, MAX(i."patientId") AS "patientId",
      MAX(i."accessionNumber") AS "accessionNumber", MAX(i."studyDate") AS "studyDate"
    FROM "Instance" i
    GROUP BY i."studyInstanceUid"
    ${having}
    ORDER BY last DESC, uid DESC
    LIMIT ${f.limit + 1}`;
  const { items, nextCursor } = page(rows, f.limit, (r) => ({ at: new Date(r.last), key: r.uid }));
  const jobs = await jobFacts(db, items.map((r) => r.uid));
  return { items: items.map((r) => summary(r, jobs.get(r.uid))), nextCursor };
}

function havingConditions(f: StudyFilter): Prisma.Sql[] {
  const c: Prisma.Sql[] = [];
  const any = (cond: Prisma.Sql): Prisma.Sql => Prisma.sql`SUM(CASE WHEN ${cond} THEN 1 ELSE 0 END) > 0`;
  if (f.patientId) c.push(any(Prisma.sql`lower(i."patientId") = lower(${f.patientId})`));
  if (f.accession) c.push(any(Prisma.sql`lower(i."accessionNumber") = lower(${f.accession})`));
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    c.push(any(Prisma.sql`(i."patientId" LIKE ${like} ESCAPE '\\' OR i."accessionNumber" LIKE ${like} ESCAPE '\\' OR i."studyInstanceUid" LIKE ${like} ESCAPE '\\')`));
  }
  const date = Prisma.sql`COALESCE(i."studyDate", strftime('%Y%m%d', i."receivedAt"))`;
  if (f.from) c.push(any(Prisma.sql`${date} >= ${f.from}`));
  if (f.to) c.push(any(Prisma.sql`${date} <= ${f.to}`));
  if (f.state) c.push(Prisma.sql`EXISTS (SELECT 1 FROM "Job" j WHERE j."studyInstanceUid" = i."studyInstanceUid" AND j."state" = ${f.state})`);
  const flagged = Prisma.sql`EXISTS (SELECT 1 FROM "Job" j WHERE j."studyInstanceUid" = i."studyInstanceUid" AND j."guardFlagged" = 1)`;
  if (f.guard === 'flagged') c.push(flagged);
  if (f.guard === 'ok') c.push(Prisma.sql`NOT ${flagged}`);
  if (f.cursor) {
    const { at, key } = decodeCursor(f.cursor);
    c.push(Prisma.sql`(MAX(i."receivedAt") < ${at} OR (MAX(i."receivedAt") = ${at} AND i."studyInstanceUid" < ${key}))`);
  }
  return c;
}

interface JobFacts {
  states: Record<string, number>;
  flagged: boolean;
}

async function jobFacts(db: Database, uids: readonly string[]): Promise<Map<string, JobFacts>> {
  const out = new Map<string, JobFacts>();
  if (uids.length === 0) return out;
  const groups = await db.job.groupBy({ by: ['studyInstanceUid', 'state', 'guardFlagged'], where: { studyInstanceUid: { in: [...uids] } }, _count: { _all: true } });
  for (const g of groups) {
    const facts = out.get(g.studyInstanceUid) ?? { states: {}, flagged: false };
    facts.states[g.state] = (facts.states[g.state] ?? 0) + g._count._all;
    facts.flagged ||= g.guardFlagged === true;
    out.set(g.studyInstanceUid, facts);
  }
  return out;
}

function summary(r: StudyRow, jobs: JobFacts | undefined): StudySummary {
  return {
    studyInstanceUid: r.uid, patientId: r.patientId, accessionNumber: r.accessionNumber, studyDate: r.studyDate,
    instances: Number(r.n), jobs: jobs?.states ?? {}, guardFlagged: jobs?.flagged ?? false, lastReceivedAt: new Date(r.last).toISOString(),
  };
}

export interface InstanceView {
  readonly id: string;
  readonly sopInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly modality: string | null;
  readonly bodyPartExamined: string | null;
  readonly viewPosition: string | null;
  readonly seriesDescription: string | null;
  readonly status: string;
  readonly skipReason: string | null;
  readonly receivedAt: string;
  readonly receiveCount: number;
  readonly purgedAt: string | null;
  readonly jobs: JobView[];
}

/** One study: its summary and every instance with its jobs (oldest instance first). 404 when unknown. */
export async function studyDetail(db: Database, uid: string): Promise<{ study: StudySummary; instances: InstanceView[] }> {
  const rows = await db.instance.findMany({
    where: { studyInstanceUid: uid }, orderBy: [{ receivedAt: 'asc' }, { id: 'asc' }],
    include: { jobs: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } },
  });
  if (rows.length === 0) throw notFound(`no study ${uid} on this node`);
  const jobs = rows.flatMap((r) => r.jobs);
  const states: Record<string, number> = {};
  for (const j of jobs) states[j.state] = (states[j.state] ?? 0) + 1;
  const first = <K extends 'patientId' | 'accessionNumber' | 'studyDate'>(k: K) => rows.map((r) => r[k]).find((v) => v !== null) ?? null;
  const study: StudySummary = {
    studyInstanceUid: uid, patientId: first('patientId'), accessionNumber: first('accessionNumber'), studyDate: first('studyDate'),
    instances: rows.length, jobs: states, guardFlagged: jobs.some((j) => j.guardFlagged === true),
    lastReceivedAt: new Date(Math.max(...rows.map((r) => r.receivedAt.getTime()))).toISOString(),
  };
  const instances = rows.map((r): InstanceView => ({
    id: r.id, sopInstanceUid: r.sopInstanceUid, seriesInstanceUid: r.seriesInstanceUid, modality: r.modality,
    bodyPartExamined: r.bodyPartExamined, viewPosition: r.viewPosition, seriesDescription: r.seriesDescription,
    status: r.status, skipReason: r.skipReason, receivedAt: r.receivedAt.toISOString(), receiveCount: r.receiveCount,
    purgedAt: iso(r.purgedAt), jobs: r.jobs.map(jobView),
  }));
  return { study, instances };
}
