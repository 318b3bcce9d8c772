// One study: what identifies it, its instances as received, and each instance's jobs (primary,
// shadow, reprocess) with their state, model and guard figures. From here a reader opens the
// study in the viewer's comparison, and an admin deletes an instance for good (its file, its
// derived files, its jobs and deliveries; the PACS keeps its own copies).
import { useEffect, useState } from 'react';
import { api, useApi } from '../../api.js';
import { useAuth } from '../../auth.js';
import { Badge, Card, ConfirmButton, EmptyState, ErrorBanner, Loading, PageHeader } from '../../components/ui.js';
import { formatDateTime, formatDicomDate, formatNumber, relativeTime } from '../../format.js';
import { Link } from '../../router.js';
import type { PageProps } from '../index.js';
import { modelLabel, RUNNING_STATES, type Instance, type Job, type StudyDetail } from '../jobs/types.js';
import { ohifStudyUrl } from './filters.js';
import './studies.css';

export default function StudyPage({ params }: PageProps) {
  const uid = params.uid ?? '';
  // Refreshed every few seconds while one of its jobs is still on its way.
  const [running, setRunning] = useState(false);
  const study = useApi<StudyDetail>(`/api/studies/${encodeURIComponent(uid)}`, running ? 5_000 : undefined);
  const data = study.data;
  const nowRunning = !!data?.instances.some((i) => i.jobs.some((j) => RUNNING_STATES.includes(j.state)));
  useEffect(() => setRunning(nowRunning), [nowRunning]);

  if (study.error?.status === 404) {
    return (
      <>
        <PageHeader title="Study" />
        <EmptyState title="This study is not on the node" action={<Link to="/studies">Back to the studies</Link>}>
          It was never received, or every instance of it was deleted.
        </EmptyState>
      </>
    );
  }
  return (
    <>
      <PageHeader
        title="Study"
        subtitle={<span className="mono">{uid}</span>}
        actions={<a className="btn btn-primary" href={ohifStudyUrl(uid)} target="_blank" rel="noopener" data-testid="open-ohif">Open in OHIF ↗</a>}
      />
      <ErrorBanner error={study.error} title="Could not load the study" />
      {!data ? <Loading /> : (
        <>
          <StudyFacts detail={data} />
          <Card title={`Instances (${data.instances.length})`}>
            {data.instances.length === 0 ? <EmptyState title="No instances left" /> : data.instances.map((i) => <InstanceBlock key={i.id} instance={i} onDeleted={study.reload} />)}
          </Card>
        </>
      )}
    </>
  );
}

function StudyFacts({ detail }: { detail: StudyDetail }) {
  const s = detail.study;
  return (
    <Card>
      <div className="kv-row">
        <span><span className="muted">Patient ID</span><span className="mono">{s.patientId ?? '—'}</span></span>
        <span><span className="muted">Accession</span><span className="mono">{s.accessionNumber ?? '—'}</span></span>
        <span><span className="muted">Study date</span>{formatDicomDate(s.studyDate)}</span>
        <span><span className="muted">Images</span>{s.instances}</span>
        <span><span className="muted">Last received</span><span title={formatDateTime(s.lastReceivedAt)}>{relativeTime(s.lastReceivedAt)}</span></span>
        <span><span className="muted">Guard</span>{s.guardFlagged ? <Badge value="flagged" tone="warn" /> : 'nothing flagged'}</span>
      </div>
    </Card>
  );
}

function InstanceBlock({ instance: i, onDeleted }: { instance: Instance; onDeleted: () => void }) {
  const { can } = useAuth();
  const busy = i.jobs.some((j) => j.state === 'processing');
  return (
    <div className="instance" data-testid="instance" data-sop={i.sopInstanceUid}>
      <div className="instance-head">
        <div>
          <h3>{[i.modality, i.bodyPartExamined, i.viewPosition].filter(Boolean).join(' · ') || 'Instance'} {i.seriesDescription && <span className="muted">— {i.seriesDescription}</span>}</h3>
          <div className="muted small mono" title="SOP Instance UID">{i.sopInstanceUid}</div>
        </div>
        {can('admin') && (
          <ConfirmButton
            label="Delete"
            confirm="Delete this instance?"
            disabled={busy}
            detail={<p>The received file, its derived files, its {i.jobs.length} job{i.jobs.length === 1 ? '' : 's'} and their deliveries are deleted from this node for good. Copies already sent to the PACS stay there. The deletion is recorded in the audit log.</p>}
            onConfirm={async () => { await api(`/api/instances/${encodeURIComponent(i.id)}`, { method: 'DELETE' }); onDeleted(); }}
          />
        )}
      </div>
      <div className="kv-row">
        <span><span className="muted">Status</span><Badge value={i.status} />{i.skipReason && <span className="muted"> {i.skipReason}</span>}</span>
        <span><span className="muted">Received</span><span title={formatDateTime(i.receivedAt)}>{relativeTime(i.receivedAt)}</span>{i.receiveCount > 1 && <span className="muted"> ({i.receiveCount} times)</span>}</span>
        {i.purgedAt && <span><span className="muted">File deleted by retention</span>{formatDateTime(i.purgedAt)}</span>}
      </div>
      {i.jobs.length === 0 ? <p className="muted">No job: {i.skipReason ?? 'the rules did not send it for processing'}.</p> : <JobTable jobs={i.jobs} />}
    </div>
  );
}

export function JobTable({ jobs }: { jobs: readonly Job[] }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr><th>Job</th><th>Role</th><th>State</th><th>Model</th><th className="num">Max change</th><th className="num">Clipped</th><th>Finished</th><th>Last error</th></tr>
        </thead>
        <tbody>
          {jobs.map((j) => (
            <tr key={j.id} data-job={j.id} data-state={j.state}>
              <td className="mono"><Link to={`/jobs/${j.id}`}>{j.id.slice(0, 8)}</Link></td>
              <td><Badge value={j.role} tone={j.role === 'primary' ? 'muted' : 'info'} /></td>
              <td><Badge value={j.state} />{j.held && <> <Badge value="held" /></>}</td>
              <td>{modelLabel(j)}</td>
              <td className="num">{j.guardMaxChange === null ? '—' : formatNumber(j.guardMaxChange, 3)}{j.guardFlagged && <> <Badge value="flagged" tone="warn" /></>}</td>
              <td className="num">{j.guardClippedFraction === null ? '—' : `${formatNumber(j.guardClippedFraction * 100, 2)} %`}</td>
              <td title={formatDateTime(j.finishedAt)}>{j.finishedAt ? relativeTime(j.finishedAt) : '—'}</td>
              <td className="error-text small">{j.lastError ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
