// Readers' verdicts on derived series (accept / reject in the viewer's compare mode), per
// model version: how each version fares, and the recent verdicts with their reasons. The tally
// counts every verdict; the list shows the newest. ?model= narrows the list to one version.
import { useApi, query } from '../../api.js';
import { Badge, Card, EmptyState, ErrorBanner, Loading, PageHeader, Select } from '../../components/ui.js';
import { formatDateTime, relativeTime, shortUid } from '../../format.js';
import { Link, setSearch, useLocation } from '../../router.js';
import type { PageProps } from '../index.js';
import './feedback.css';

interface Verdict {
  readonly id: string;
  readonly at: string;
  readonly seriesInstanceUid: string;
  readonly studyInstanceUid: string | null;
  readonly modelId: string;
  readonly modelVersion: string;
  readonly verdict: 'accept' | 'reject';
  readonly reason: string | null;
  readonly reader: string;
  readonly jobId: string | null;
}
interface Tally {
  readonly accept: number;
  readonly reject: number;
}
interface FeedbackList {
  readonly items: Verdict[];
  readonly summary: { total: number; accept: number; reject: number; byVersion: Record<string, Tally> };
}

const pct = (n: number, of: number): string => (of ? `${Math.round((100 * n) / of)}%` : '—');

export default function FeedbackPage(_props: PageProps) {
  const model = useLocation().search.get('model') ?? '';
  const all = useApi<FeedbackList>('/api/feedback?limit=100', 30_000);
  const filtered = useApi<FeedbackList>(model ? `/api/feedback${query({ model, limit: 100 })}` : null);
  const list = model ? filtered : all;
  const summary = all.data?.summary;
  return (
    <>
      <PageHeader title="Feedback" subtitle="Readers accept or reject a derived series in the viewer's compare mode; this is how each model version fares." />
      <ErrorBanner error={all.error ?? filtered.error} title="Could not load the feedback" />
      {!summary ? (
        all.loading && <Loading />
      ) : summary.total === 0 ? (
        <EmptyState title="No verdicts yet">
          Readers give them in the viewer (<a href="/viewer/" target="_blank" rel="noreferrer">OHIF</a>, compare mode): accept or reject a denoised series, with a reason. They show here per model version.
        </EmptyState>
      ) : (
        <>
          <Card title="By model version">
            <Tallies summary={summary} selected={model} />
          </Card>
          <Card title="Recent verdicts" actions={<VersionFilter versions={Object.keys(summary.byVersion)} value={model} />}>
            {!list.data ? <Loading /> : <Verdicts items={list.data.items} />}
          </Card>
        </>
      )}
    </>
  );
}

function Tallies({ summary, selected }: { summary: FeedbackList['summary']; selected: string }) {
  const rows = Object.entries(summary.byVersion).sort((a, b) => b[1].accept + b[1].reject - (a[1].accept + a[1].reject));
  const most = Math.max(...rows.map(([, t]) => t.accept + t.reject), 1);
  return (
    <>
      <div className="tally-total">
        <span><strong className="num">{summary.total}</strong> verdicts</span>
        <span><strong className="num ok">{summary.accept}</strong> accepted ({pct(summary.accept, summary.total)})</span>
        <span><strong className="num bad">{summary.reject}</strong> rejected</span>
      </div>
      <ul className="tallies">
        {rows.map(([version, t]) => {
          const total = t.accept + t.reject;
          return (
            <li key={version} className={version === selected ? 'selected' : ''} data-version={version}>
              <button type="button" className="tally-name link-button" onClick={() => setSearch({ model: version === selected ? undefined : version })} title="Show this version's verdicts">
                {version}
              </button>
              <div className="tally-bar" style={{ width: `${(100 * total) / most}%` }} role="img" aria-label={`${t.accept} accepted, ${t.reject} rejected`}>
                {t.accept > 0 && <span className="tally-accept" style={{ flexGrow: t.accept }} />}
                {t.reject > 0 && <span className="tally-reject" style={{ flexGrow: t.reject }} />}
              </div>
              <span className="tally-figures num">
                <span className="ok">{t.accept} accepted</span> · <span className="bad">{t.reject} rejected</span> <span className="muted">· {pct(t.accept, total)}</span>
              </span>
            </li>
          );
        })}
      </ul>
      <div className="legend">
        <span><span className="legend-swatch tally-accept" />accepted</span>
        <span><span className="legend-swatch tally-reject" />rejected</span>
        <span>bar length: number of verdicts</span>
      </div>
    </>
  );
}

function VersionFilter({ versions, value }: { versions: string[]; value: string }) {
  return (
    <Select aria-label="Model version" value={value} onChange={(e) => setSearch({ model: e.target.value || undefined })} className="input version-filter">
      <option value="">All model versions</option>
      {value && !versions.includes(value) && <option value={value}>{value}</option>}
      {versions.map((v) => <option key={v} value={v}>{v}</option>)}
    </Select>
  );
}

function Verdicts({ items }: { items: Verdict[] }) {
  if (items.length === 0) return <EmptyState title="No verdicts for this version" />;
  return (
    <div className="table-wrap">
      <table className="table verdicts">
        <thead>
          <tr><th>When</th><th>Reader</th><th>Model</th><th>Verdict</th><th>Reason</th><th>Series</th></tr>
        </thead>
        <tbody>
          {items.map((f) => (
            <tr key={f.id}>
              <td title={formatDateTime(f.at)}>{relativeTime(f.at)}</td>
              <td>{f.reader}</td>
              <td className="mono">{f.modelId}@{f.modelVersion}</td>
              <td><Badge value={f.verdict} tone={f.verdict === 'accept' ? 'ok' : 'bad'} /></td>
              <td className="reason">{f.reason ?? <span className="muted">—</span>}</td>
              <td className="mono small">
                {f.jobId ? <Link to={`/jobs/${f.jobId}`} title={f.seriesInstanceUid}>job {shortUid(f.jobId, 6)}</Link> : <span title={f.seriesInstanceUid}>{shortUid(f.seriesInstanceUid, 8)}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
