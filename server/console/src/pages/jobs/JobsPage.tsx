// Jobs, newest first, filtered by state and role (kept in the URL), a page at a time. The
// first page refreshes every few seconds, so a job arriving or finishing shows without a reload.
import { Badge, Button, Card, EmptyState, ErrorBanner, Field, Loading, PageHeader, Select } from '../../components/ui.js';
import { formatDateTime, formatMs, relativeTime, shortUid } from '../../format.js';
import { Link, navigate, setSearch, useLocation } from '../../router.js';
import type { PageProps } from '../index.js';
import { JOB_STATES } from '../studies/filters.js';
import { usePaged } from '../studies/paged.js';
import '../studies/studies.css';
import { modelLabel, type Job } from './types.js';

const ROLES = ['primary', 'shadow', 'reprocess'] as const;

export default function JobsPage(_props: PageProps) {
  const { search } = useLocation();
  const state = (JOB_STATES as readonly string[]).includes(search.get('state') ?? '') ? search.get('state')! : '';
  const role = (ROLES as readonly string[]).includes(search.get('role') ?? '') ? search.get('role')! : '';
  const q = new URLSearchParams({ limit: '50', ...(state ? { state } : {}), ...(role ? { role } : {}) });
  const paged = usePaged<Job>(`/api/jobs?${q}`, 5_000);
  return (
    <>
      <PageHeader title="Jobs" subtitle="Every image's way through the node, newest first." />
      <Card>
        <div className="filters">
          <Field label="State">{(id) => (
            <Select id={id} value={state} onChange={(e) => setSearch({ state: e.target.value })}>
              <option value="">Any</option>
              {JOB_STATES.map((s) => <option key={s} value={s}>{s}</option>)}
            </Select>
          )}</Field>
          <Field label="Role">{(id) => (
            <Select id={id} value={role} onChange={(e) => setSearch({ role: e.target.value })}>
              <option value="">Any</option>
              {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
            </Select>
          )}</Field>
          {(state || role) && <Button variant="ghost" onClick={() => setSearch({ state: undefined, role: undefined })}>Clear filters</Button>}
        </div>
        <ErrorBanner error={paged.error} title="Could not list the jobs" />
        {paged.loading ? <Loading /> : paged.items.length === 0 ? (
          <EmptyState title={state || role ? 'No job matches these filters' : 'No jobs yet'}>
            {state || role ? 'Try another state or role.' : 'A job is made for each image the rules send for processing.'}
          </EmptyState>
        ) : <JobList items={paged.items} />}
        {paged.more && <div className="list-more"><Button onClick={paged.loadMore} busy={paged.loadingMore} data-testid="load-more">Load more</Button></div>}
      </Card>
    </>
  );
}

function JobList({ items }: { items: readonly Job[] }) {
  return (
    <div className="table-wrap">
      <table className="table" data-testid="jobs-table">
        <thead>
          <tr><th>Job</th><th>State</th><th>Role</th><th>Model</th><th>Study</th><th className="num">Attempts</th><th className="num">Took</th><th>Created</th><th>Last error</th></tr>
        </thead>
        <tbody>
          {items.map((j) => (
            <tr key={j.id} className="clickable" data-job={j.id} data-state={j.state} onClick={(e) => !(e.target as HTMLElement).closest('a') && navigate(`/jobs/${j.id}`)}>
              <td className="mono"><Link to={`/jobs/${j.id}`}>{j.id.slice(0, 8)}</Link></td>
              <td><span className="badge-row"><Badge value={j.state} />{j.held && <Badge value="held" />}{j.guardFlagged && <Badge value="flagged" tone="warn" />}</span></td>
              <td><Badge value={j.role} tone={j.role === 'primary' ? 'muted' : 'info'} /></td>
              <td>{modelLabel(j)}</td>
              <td className="mono" title={j.studyInstanceUid}><Link to={`/studies/${j.studyInstanceUid}`}>{shortUid(j.studyInstanceUid, 8)}</Link></td>
              <td className="num">{j.attempts}/{j.maxAttempts}</td>
              <td className="num">{formatMs(j.timingsMs?.totalMs)}</td>
              <td title={formatDateTime(j.createdAt)}>{relativeTime(j.createdAt)}</td>
              <td className="error-text small">{j.lastError ? j.lastError.slice(0, 120) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
