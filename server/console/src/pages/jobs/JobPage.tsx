// One job: where it stands and how it got there (the timeline), what the guard measured, the
// model it ran, its deliveries, its audit trail, and its images compared at full bit depth.
// While the job is still on its way the page refreshes itself; the images are fetched once a
// run has finished (each fetch is an audited view of patient data).
import { useEffect, useState } from 'react';
import { useApi } from '../../api.js';
import { Badge, Card, EmptyState, ErrorBanner, Loading, Notice, PageHeader } from '../../components/ui.js';
import { formatDateTime, formatNumber, relativeTime } from '../../format.js';
import { Link } from '../../router.js';
import type { PageProps } from '../index.js';
import '../studies/studies.css';
import { JobActions } from './JobActions.js';
import { JobCompare } from './JobCompare.js';
import { JobTimeline } from './JobTimeline.js';
import './jobs.css';
import { modelLabel, RUNNING_STATES, type Delivery, type Job, type JobDetail } from './types.js';

export default function JobPage({ params }: PageProps) {
  const id = params.id ?? '';
  const [running, setRunning] = useState(false);
  const loaded = useApi<JobDetail>(`/api/jobs/${encodeURIComponent(id)}`, running ? 2_000 : undefined);
  const detail = loaded.data?.job.id === id ? loaded.data : undefined;
  const nowRunning = !!detail && RUNNING_STATES.includes(detail.job.state);
  useEffect(() => setRunning(nowRunning), [nowRunning]);
  const [message, setMessage] = useState<string>();
  useEffect(() => setMessage(undefined), [id]);

  if (loaded.error?.status === 404) {
    return (
      <>
        <PageHeader title="Job" />
        <EmptyState title="No such job" action={<Link to="/jobs">Back to the jobs</Link>}>It may have been deleted with its instance.</EmptyState>
      </>
    );
  }
  if (!detail) return <><PageHeader title="Job" /><ErrorBanner error={loaded.error} title="Could not load the job" />{!loaded.error && <Loading />}</>;
  const { job } = detail;
  return (
    <>
      <PageHeader
        title={`Job ${job.id.slice(0, 8)}`}
        subtitle={<span className="badge-row" data-testid="job-state" data-state={job.state}><Badge value={job.state} /><Badge value={job.role} tone="info" />{job.held && <Badge value="held" />}{modelLabel(job)}{nowRunning && <span className="muted small">· refreshing</span>}</span>}
        actions={<JobActions detail={detail} onDone={(m) => { setMessage(m); loaded.reload(); }} />}
      />
      {message && <Notice kind="ok">{message}</Notice>}
      <ErrorBanner error={loaded.error} title="Could not refresh the job" />
      {job.lastError && job.state !== 'exported' && <div className="banner banner-error" role="alert"><strong>Last error</strong><span className="error-text">{job.lastError}</span></div>}
      <Card title="Images"><JobCompare detail={detail} onViewed={loaded.reload} /></Card>
      <div className="grid grid-2 job-grid">
        <Card title="Timeline"><JobTimeline entries={detail.timeline} timings={job.timingsMs} /></Card>
        <div>
          <JobFacts detail={detail} />
          <Card title="Deliveries"><Deliveries items={detail.deliveries} job={job} /></Card>
        </div>
      </div>
      <Card title="Audit trail"><AuditTrail detail={detail} /></Card>
    </>
  );
}

function JobFacts({ detail }: { detail: JobDetail }) {
  const { job } = detail;
  const other = job.role === 'shadow' ? detail.primary : detail.shadow;
  const row = (label: string, value: React.ReactNode) => <><dt>{label}</dt><dd>{value}</dd></>;
  return (
    <Card title="Job">
      <dl className="kv">
        {row('Study', <Link to={`/studies/${job.studyInstanceUid}`} className="mono">{job.studyInstanceUid}</Link>)}
        {row('SOP Instance', <span className="mono">{job.sopInstanceUid}</span>)}
        {row('Model', <>{modelLabel(job)} <span className="muted small mono" title="parameters hash">{job.paramsHash.slice(0, 12)}</span></>)}
        {row('Attempts', `${job.attempts} of ${job.maxAttempts}`)}
        {row('Created', <span title={formatDateTime(job.createdAt)}>{relativeTime(job.createdAt)}</span>)}
        {row('Finished', job.finishedAt ? <span title={formatDateTime(job.finishedAt)}>{relativeTime(job.finishedAt)}</span> : '—')}
        {job.state === 'failed' && row('Next attempt', formatDateTime(job.nextRunAt))}
        {row('Guard', <GuardFigures job={job} />)}
        {row('Derived series', job.derivedSeriesInstanceUid ? <span className="mono">{job.derivedSeriesInstanceUid}</span> : '—')}
        {other && row(job.role === 'shadow' ? 'Primary job' : 'Shadow job', <><Link to={`/jobs/${other.id}`} className="mono">{other.id.slice(0, 8)}</Link> <Badge value={other.state} /> {modelLabel(other)}</>)}
      </dl>
    </Card>
  );
}

function GuardFigures({ job }: { job: Job }) {
  if (job.guardMaxChange === null && job.guardClippedFraction === null) return <span className="muted">not run yet</span>;
  return (
    <span className="badge-row" data-testid="guard-figures">
      <span>max change {formatNumber(job.guardMaxChange, 3)}</span>
      <span>clipped {formatNumber((job.guardClippedFraction ?? 0) * 100, 2)} %</span>
      {job.guardFlagged ? <Badge value="flagged" tone="warn" /> : <Badge value="ok" />}
      {job.held && <Badge value={job.guardOverride ? 'sent despite the guard' : 'held'} tone="warn" />}
    </span>
  );
}

function Deliveries({ items, job }: { items: readonly Delivery[]; job: Job }) {
  if (items.length === 0) {
    const why = job.role === 'shadow' ? 'a shadow result is kept for review, never sent' : job.held && !job.guardOverride ? 'the guard held the result' : job.state === 'exported' ? 'no destination was configured' : 'nothing is sent before the job is exported';
    return <p className="muted">None: {why}.</p>;
  }
  return (
    <table className="table" data-testid="deliveries">
      <thead><tr><th>Destination</th><th>State</th><th className="num">Attempts</th><th>Sent</th><th>Last error</th></tr></thead>
      <tbody>
        {items.map((d) => (
          <tr key={d.destination} data-destination={d.destination} data-state={d.state}>
            <td>{d.destination}</td>
            <td><Badge value={d.state} />{d.lastStatus !== null && <span className="muted small mono"> 0x{d.lastStatus.toString(16).padStart(4, '0')}</span>}</td>
            <td className="num">{d.attempts}</td>
            <td title={formatDateTime(d.sentAt)}>{d.sentAt ? relativeTime(d.sentAt) : '—'}</td>
            <td className="error-text small">{d.lastError ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AuditTrail({ detail }: { detail: JobDetail }) {
  if (detail.audit.length === 0) return <p className="muted">Nothing recorded for this job yet.</p>;
  return (
    <table className="table" data-testid="job-audit">
      <thead><tr><th>When</th><th>Who</th><th>Action</th><th>Outcome</th></tr></thead>
      <tbody>
        {detail.audit.map((a) => (
          <tr key={a.id} data-action={a.action}>
            <td title={formatDateTime(a.at)}>{relativeTime(a.at)}</td>
            <td>{a.actor}</td>
            <td className="mono">{a.action}</td>
            <td><Badge value={a.outcome} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
