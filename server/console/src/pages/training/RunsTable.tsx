// The runs, newest first: state (and place in the queue), what was asked, progress with ETA,
// the last validation figures, who started it and when.
import { Badge } from '../../components/ui.js';
import { formatDateTime, relativeTime } from '../../format.js';
import { Link } from '../../router.js';
import { PHASE_LABEL, STAGE_LABEL, formatEta, type RunSummary } from './types.js';

export function RunsTable({ runs }: { runs: RunSummary[] }) {
  return (
    <div className="table-wrap">
      <table className="table runs-table">
        <thead>
          <tr><th>Run</th><th>State</th><th>Stages</th><th>Progress</th><th className="num">ETA</th><th className="num">Val PSNR / SSIM</th><th>Started by</th></tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id} data-run={r.name} data-state={r.state}>
              <td><Link to={`/training/${r.id}`}>{r.name}</Link><div className="muted small mono" title={r.dataset}>{r.dataset}</div></td>
              <td><StateCell run={r} /></td>
              <td>{STAGE_LABEL[r.stages]}<div className="muted small">{r.preset}</div></td>
              <td className="progress-cell"><ProgressBar value={r.progress} label={`${r.name} progress`} /><div className="muted small">{r.totalSteps ? `step ${r.step} of ${r.totalSteps}` : `step ${r.step}`}{r.phase ? ` · ${PHASE_LABEL[r.phase] ?? r.phase}` : ''}</div></td>
              <td className="num">{r.state === 'running' ? formatEta(r.etaSec) : '—'}</td>
              <td className="num">{r.lastVal ? `${r.lastVal.psnr.toFixed(2)} dB / ${r.lastVal.ssim.toFixed(3)}` : '—'}</td>
              <td>{r.createdBy}<div className="muted small" title={formatDateTime(r.createdAt)}>{relativeTime(r.createdAt)}</div></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const STATE_LABEL: Record<RunSummary['state'], string> = { queued: 'queued', running: 'running', done: 'finished', failed: 'failed', cancelled: 'cancelled', interrupted: 'interrupted' };
const STATE_TONE = { queued: 'info', running: 'info', done: 'ok', failed: 'bad', cancelled: 'muted', interrupted: 'warn' } as const;

export function StateCell({ run }: { run: RunSummary }) {
  return (
    <span className="state-cell">
      <Badge value={STATE_LABEL[run.state]} tone={STATE_TONE[run.state]} />
      {run.state === 'queued' && run.queuePosition !== null && <span className="muted small">{run.queuePosition === 1 ? 'next in queue' : `#${run.queuePosition} in queue`}</span>}
      {run.modelId && <span className="muted small">registered</span>}
    </span>
  );
}

export function ProgressBar({ value, label }: { value: number; label: string }) {
  const pct = Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
      <div className="progress-fill" style={{ width: `${pct}%` }} />
      <span className="progress-text">{pct} %</span>
    </div>
  );
}
