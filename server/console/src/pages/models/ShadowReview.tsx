// Shadow mode at a glance: which candidate runs beside the active model, how many images it has
// processed (kept, never sent), and its latest results with a link to each image's job page,
// where the active and shadow results are shown side by side (the jobs pages own that view).
import { useEffect, useRef, useState } from 'react';
import { api, useApi } from '../../api.js';
import { Badge, Card, ErrorBanner } from '../../components/ui.js';
import { formatDateTime, relativeTime, shortUid } from '../../format.js';
import { Link } from '../../router.js';
import { modelLabel, type Model } from './model-types.js';

interface Job {
  readonly id: string;
  readonly sopInstanceUid: string;
  readonly modelId: string;
  readonly modelVersion: string;
  readonly state: string;
  readonly role: string;
  readonly guardFlagged: boolean | null;
  readonly lastError: string | null;
  readonly createdAt: string;
}

const RECENT = 5;

/** The latest shadow jobs of this model, each with the id of its primary job (for the comparison). */
function useShadowJobs(model: Model | undefined) {
  const list = useApi<{ items: Job[] }>(model ? '/api/jobs?role=shadow&limit=50' : null, 5000);
  const [primaries, setPrimaries] = useState<Record<string, string | null>>({});
  const asked = useRef(new Set<string>());
  const mine = (list.data?.items ?? []).filter((j) => model && j.modelId === model.name && j.modelVersion === model.version).slice(0, RECENT);
  const missing = mine.filter((j) => !asked.current.has(j.id)).map((j) => j.id).join(',');
  useEffect(() => {
    for (const id of missing ? missing.split(',') : []) {
      asked.current.add(id);
      api<{ primary?: { id: string } }>(`/api/jobs/${encodeURIComponent(id)}`).then(
        (d) => setPrimaries((p) => ({ ...p, [id]: d.primary?.id ?? null })),
        () => setPrimaries((p) => ({ ...p, [id]: null })),
      );
    }
  }, [missing]);
  return { jobs: mine, primaries, error: list.error, loaded: list.data !== undefined };
}

export function ShadowReview({ shadow, active }: { shadow: Model | undefined; active: Model | undefined }) {
  const { jobs, primaries, error, loaded } = useShadowJobs(shadow);
  if (!shadow) {
    return (
      <Card title="Shadow mode" className="models-shadow" actions={<Badge value="off" tone="muted" />}>
        <p className="muted" data-testid="shadow-off">
          Off. Put a candidate in shadow mode (from its details) to run it beside the active model on incoming images: its results are kept for review here and on
          each job's page, and never sent to the PACS.
        </p>
        <p className="small"><Link to="/jobs?role=shadow">Earlier shadow results →</Link></p>
      </Card>
    );
  }
  // Only shadow jobs end 'kept'; the other states may include jobs it ran in another role.
  const kept = shadow.jobs.byState.kept ?? 0;
  const total = shadow.jobs.byRole.shadow ?? 0;
  return (
    <Card title="Shadow mode" className="models-shadow" actions={<Badge value="shadow" />}>
      <p>
        <strong>{modelLabel(shadow)}</strong> runs beside {active ? <strong>{modelLabel(active)}</strong> : 'the active model'} on every selected image. Its results are kept, never sent.
      </p>
      <div className="models-shadow-stats" data-testid="shadow-stats">
        <div className="stat"><span className="stat-value" data-testid="shadow-kept">{kept}</span><span className="stat-label">images processed (kept)</span></div>
        <div className="stat"><span className="stat-value">{total - kept}</span><span className="stat-label">not kept yet (queued, failed)</span></div>
      </div>
      <ErrorBanner error={error} title="Could not load the shadow results" />
      {loaded && jobs.length === 0 && <p className="muted small">No image has arrived since shadow mode started.</p>}
      {jobs.length > 0 && (
        <ul className="models-shadow-jobs" data-testid="shadow-jobs">
          {jobs.map((j) => {
            const primary = primaries[j.id];
            return (
              <li key={j.id} data-state={j.state}>
                <time dateTime={j.createdAt} title={formatDateTime(j.createdAt)}>{relativeTime(j.createdAt)}</time>
                <span className="mono" title={j.sopInstanceUid}>{shortUid(j.sopInstanceUid, 8)}</span>
                <Badge value={j.state} />
                {j.guardFlagged && <Badge value="guard" tone="warn" />}
                <Link to={`/jobs/${encodeURIComponent(primary ?? j.id)}`} data-testid="shadow-compare-link">
                  {primary ? 'Active vs shadow →' : 'Shadow job →'}
                </Link>
              </li>
            );
          })}
        </ul>
      )}
      <p className="small"><Link to="/jobs?role=shadow" data-testid="shadow-jobs-link">All shadow results →</Link></p>
    </Card>
  );
}
