// A job's way through the node as a timeline: receipt, queueing, each pipeline stage of the
// last run with its duration (a bar scaled to the run's total, so the slow stage stands out),
// deliveries, operator actions with who did them, and where the job stands now; failures in
// red with their error. Above it, the last run's stages as one stacked bar.
import { formatDateTime, formatMs } from '../../format.js';
import type { TimelineEntry } from './types.js';

const STAGES = ['read', 'decode', 'normalize', 'infer', 'guard', 'denormalize', 'encode', 'export'] as const;
const STAGE_COLOURS: Readonly<Record<string, string>> = {
  read: '#6e7681', decode: '#8957e5', normalize: '#3fb950', infer: '#4ea1ff', guard: '#d29922', denormalize: '#2ea39a', encode: '#db61a2', export: '#f0883e',
};

export function JobTimeline({ entries, timings }: { entries: readonly TimelineEntry[]; timings: Record<string, number> | null }) {
  const total = timings?.totalMs ?? STAGES.reduce((s, k) => s + (timings?.[`${k}Ms`] ?? 0), 0);
  const start = entries.length ? new Date(entries[0]!.at).getTime() : 0;
  return (
    <div className="timeline-wrap">
      {timings && total > 0 && <StageBar timings={timings} total={total} />}
      <ol className="timeline" data-testid="job-timeline">
        {entries.map((e, i) => {
          const isStage = (STAGES as readonly string[]).includes(e.stage);
          const offset = new Date(e.at).getTime() - start;
          return (
            <li key={`${e.stage}-${i}`} className={`timeline-item ${e.ok ? 'ok' : 'bad'} ${isStage ? 'stage' : ''}`} data-stage={e.stage} data-ok={e.ok}>
              <span className="timeline-dot" aria-hidden="true" style={isStage ? { background: STAGE_COLOURS[e.stage] } : undefined} />
              <div className="timeline-body">
                <div className="timeline-line">
                  <strong>{e.stage}</strong>
                  {e.ms !== undefined && <span className="timeline-ms">{formatMs(e.ms)}</span>}
                  {e.actor && <span className="muted small">by {e.actor}</span>}
                  <span className="muted small timeline-at" title={formatDateTime(e.at)}>
                    {i === 0 ? formatDateTime(e.at) : `+${formatMs(offset)}`}
                  </span>
                </div>
                {isStage && e.ms !== undefined && total > 0 && (
                  <div className="timeline-bar" aria-hidden="true"><span style={{ width: `${Math.max(0.5, (e.ms / total) * 100)}%`, background: STAGE_COLOURS[e.stage] }} /></div>
                )}
                {e.detail && <div className="muted small">{e.detail}</div>}
                {e.error && <div className="error-text small">{e.error}</div>}
              </div>
            </li>
          );
        })}
      </ol>
    </div>
  );
}

function StageBar({ timings, total }: { timings: Record<string, number>; total: number }) {
  const parts = STAGES.map((s) => ({ stage: s, ms: timings[`${s}Ms`] ?? 0 })).filter((p) => p.ms > 0);
  return (
    <figure className="stagebar" aria-label={`Last run: ${formatMs(total)}`}>
      <div className="stagebar-track">
        {parts.map((p) => (
          <span key={p.stage} title={`${p.stage}: ${formatMs(p.ms)}`} style={{ flexGrow: p.ms, background: STAGE_COLOURS[p.stage] }} />
        ))}
      </div>
      <figcaption className="legend">
        <span><strong>{formatMs(total)}</strong> in all</span>
        {parts.map((p) => (
          <span key={p.stage}><span className="legend-swatch" style={{ background: STAGE_COLOURS[p.stage] }} />{p.stage} {formatMs(p.ms)}</span>
        ))}
      </figcaption>
    </figure>
  );
}
