// Studies: search by patient ID, accession, free text, study date, job state and guard flag,
// newest first, a page at a time ("load more" follows the API's keyset cursor). The filters
// live in the URL. Every search is audited by the node as a view of patient data (the audit
// row names the filters used, never the values typed).
import { useEffect, useRef, useState } from 'react';
import { Badge, Button, Card, EmptyState, ErrorBanner, Field, Loading, PageHeader, Select, TextInput } from '../../components/ui.js';
import { formatDicomDate, relativeTime, formatDateTime, shortUid } from '../../format.js';
import { Link, navigate, setSearch, useLocation } from '../../router.js';
import type { PageProps } from '../index.js';
import type { StudySummary } from '../jobs/types.js';
import { filterProblem, GUARD_VALUES, hasFilters, JOB_STATES, readStudyFilters, STUDY_FILTER_KEYS, studiesPath, type StudyFilters } from './filters.js';
import { usePaged } from './paged.js';
import './studies.css';

export default function StudiesPage(_props: PageProps) {
  const { search } = useLocation();
  const filters = readStudyFilters(search);
  const problem = filterProblem(filters);
  const paged = usePaged<StudySummary>(problem ? null : studiesPath(filters, { limit: 50 }), 15_000);
  return (
    <>
      <PageHeader title="Studies" subtitle="What this node received, newest first. Searching is recorded in the audit log." />
      <Card>
        <StudyFilterForm filters={filters} problem={problem} />
        <ErrorBanner error={paged.error} title="The search failed" />
        {paged.loading ? <Loading label="Searching…" /> : paged.items.length === 0 ? <NoStudies filtered={hasFilters(filters)} /> : <StudyTable items={paged.items} />}
        {paged.more && (
          <div className="list-more">
            <Button onClick={paged.loadMore} busy={paged.loadingMore} data-testid="load-more">Load more</Button>
          </div>
        )}
      </Card>
    </>
  );
}

/** A text filter: typed into freely, written to the URL once the typing pauses. */
function useTypedFilter(value: string | undefined, key: string): [string, (v: string) => void] {
  const [text, setText] = useState(value ?? '');
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => setText(value ?? ''), [value]);
  useEffect(() => () => clearTimeout(timer.current), []);
  const change = (v: string): void => {
    setText(v);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setSearch({ [key]: v.trim() }), 350);
  };
  return [text, change];
}

function StudyFilterForm({ filters, problem }: { filters: StudyFilters; problem: string | undefined }) {
  const [q, setQ] = useTypedFilter(filters.q, 'q');
  const [patientId, setPatientId] = useTypedFilter(filters.patientId, 'patientId');
  const [accession, setAccession] = useTypedFilter(filters.accession, 'accession');
  const clear = (): void => setSearch(Object.fromEntries(STUDY_FILTER_KEYS.map((k) => [k, undefined])));
  return (
    <form className="filters study-filters" role="search" onSubmit={(e) => { e.preventDefault(); setSearch({ q: q.trim(), patientId: patientId.trim(), accession: accession.trim() }); }}>
      <Field label="Search">{(id) => <TextInput id={id} type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="Part of any ID" title="Matches part of a patient ID, accession number or Study Instance UID" />}</Field>
      <Field label="Patient ID">{(id) => <TextInput id={id} value={patientId} onChange={(e) => setPatientId(e.target.value)} autoComplete="off" placeholder="Exact" />}</Field>
      <Field label="Accession">{(id) => <TextInput id={id} value={accession} onChange={(e) => setAccession(e.target.value)} autoComplete="off" placeholder="Exact" />}</Field>
      <Field label="Study date from" error={problem}>{(id) => <TextInput id={id} type="date" value={filters.from ?? ''} onChange={(e) => setSearch({ from: e.target.value })} />}</Field>
      <Field label="to">{(id) => <TextInput id={id} type="date" value={filters.to ?? ''} onChange={(e) => setSearch({ to: e.target.value })} />}</Field>
      <Field label="Job state">{(id) => (
        <Select id={id} value={filters.state ?? ''} onChange={(e) => setSearch({ state: e.target.value })}>
          <option value="">Any</option>
          {JOB_STATES.map((s) => <option key={s} value={s}>{s}</option>)}
        </Select>
      )}</Field>
      <Field label="Guard">{(id) => (
        <Select id={id} value={filters.guard ?? ''} onChange={(e) => setSearch({ guard: e.target.value })}>
          <option value="">Any</option>
          {GUARD_VALUES.map((g) => <option key={g} value={g}>{g === 'flagged' ? 'flagged' : 'not flagged'}</option>)}
        </Select>
      )}</Field>
      <button type="submit" hidden />
      {hasFilters(filters) && <Button variant="ghost" onClick={clear}>Clear filters</Button>}
    </form>
  );
}

function NoStudies({ filtered }: { filtered: boolean }) {
  if (filtered) {
    return (
      <EmptyState title="No study matches these filters" action={<Button onClick={() => setSearch(Object.fromEntries(STUDY_FILTER_KEYS.map((k) => [k, undefined])))}>Clear filters</Button>}>
        Patient ID and accession must match exactly; the search box matches part of either.
      </EmptyState>
    );
  }
  return (
    <EmptyState title="No studies yet">
      Nothing has been received. Point a modality or the PACS at this node's DICOM port (its AE title and port are on the <Link to="/settings">settings</Link> page) and send a chest radiograph.
    </EmptyState>
  );
}

function StudyTable({ items }: { items: readonly StudySummary[] }) {
  return (
    <div className="table-wrap">
      <table className="table" data-testid="studies-table">
        <thead>
          <tr>
            <th>Study date</th><th>Patient ID</th><th>Accession</th><th>Study UID</th><th className="num">Images</th><th>Jobs</th><th>Guard</th><th>Last received</th>
          </tr>
        </thead>
        <tbody>
          {items.map((s) => (
            <tr key={s.studyInstanceUid} className="clickable" onClick={(e) => !(e.target as HTMLElement).closest('a') && navigate(`/studies/${s.studyInstanceUid}`)}>
              <td>{formatDicomDate(s.studyDate)}</td>
              <td className="mono">{s.patientId ?? '—'}</td>
              <td className="mono">{s.accessionNumber ?? '—'}</td>
              <td className="mono" title={s.studyInstanceUid}><Link to={`/studies/${s.studyInstanceUid}`}>{shortUid(s.studyInstanceUid)}</Link></td>
              <td className="num">{s.instances}</td>
              <td><JobCounts counts={s.jobs} /></td>
              <td>{s.guardFlagged ? <Badge value="flagged" tone="warn" /> : <span className="muted">—</span>}</td>
              <td title={formatDateTime(s.lastReceivedAt)}>{relativeTime(s.lastReceivedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function JobCounts({ counts }: { counts: Record<string, number> }) {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  if (entries.length === 0) return <span className="muted">none</span>;
  return (
    <span className="badge-row">
      {entries.map(([state, n]) => (
        <span key={state} data-job-state={state}><Badge value={state} />{n > 1 && <span className="muted small"> ×{n}</span>}</span>
      ))}
    </span>
  );
}
