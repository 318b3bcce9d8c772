// Who changed what the node runs, and when: the registry's audit rows (model.upload, .promote,
// .rollback, .shadow, .unshadow, .retire), newest first. The audit trail is for operators and
// admins (it names users and addresses); a viewer gets the promotion times the registry keeps.
import { useEffect, useRef } from 'react';
import { useApi } from '../../api.js';
import { useAuth } from '../../auth.js';
import { Badge, ErrorBanner, Loading } from '../../components/ui.js';
import { formatDateTime, relativeTime } from '../../format.js';
import { Link } from '../../router.js';
import type { AuditRow } from './model-types.js';

type Detail = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** One audit row in words. */
export function describe(row: AuditRow): string {
  const d = (row.detail && typeof row.detail === 'object' ? row.detail : {}) as Detail;
  const name = [str(d.name), str(d.version)].filter(Boolean).join(' ') || row.subject;
  const failed = row.outcome !== 'ok';
  switch (row.action) {
    case 'model.upload':
      return failed ? `upload refused: ${str(d.reason) ?? 'no reason recorded'}` : `uploaded ${name}`;
    case 'model.register':
      return failed ? `registration refused: ${str(d.reason) ?? 'no reason recorded'}` : `registered ${name}${str(d.trainingRunId) ? ' from a training run' : ''}`;
    case 'model.promote':
      return `promoted ${name} to active${str(d.previous) ? `, replacing ${str(d.previous)}` : ''}`;
    case 'model.rollback':
      return `rolled back to ${name}${str(d.from) ? ` from ${str(d.from)}` : ''}`;
    case 'model.shadow':
      return `put ${name} in shadow mode${str(d.replaced) ? `, replacing ${str(d.replaced)}` : ''}`;
    case 'model.unshadow':
      return `ended shadow mode of ${name}`;
    case 'model.retire':
      return `retired ${name}`;
    default:
      return `${row.action} ${name}`;
  }
}

/** `changes` counts the changes made on this page: each one reloads the history at once. */
export function History({ modelId, limit = 12, changes = 0 }: { modelId?: string; limit?: number; changes?: number }) {
  const { can } = useAuth();
  const allowed = can('operator');
  const subject = modelId ? `&subject=${encodeURIComponent(`model:${modelId}`)}` : '';
  const rows = useApi<{ items: AuditRow[] }>(allowed ? `/api/audit?action=model.&limit=${limit}${subject}` : null, 10_000);
  const seen = useRef(changes);
  const { reload } = rows;
  useEffect(() => {
    if (seen.current === changes) return;
    seen.current = changes;
    reload();
  }, [changes, reload]);
  if (!allowed) return <p className="muted small">The full history (who did what) is in the audit log, which needs the operator role.</p>;
  if (rows.loading && !rows.data) return <Loading label="Loading the history…" />;
  return (
    <>
      <ErrorBanner error={rows.error} title="Could not load the history" />
      {rows.data && rows.data.items.length === 0 && <p className="muted">Nothing changed yet{modelId ? ' for this model' : ''}: no uploads, promotions or shadow changes recorded.</p>}
      {rows.data && rows.data.items.length > 0 && (
        <ol className="models-history" data-testid={modelId ? 'model-history' : 'registry-history'}>
          {rows.data.items.map((r) => (
            <li key={r.id} data-action={r.action}>
              <time dateTime={r.at} title={formatDateTime(r.at)}>{relativeTime(r.at)}</time>
              <span className="models-history-what">
                <strong>{r.actor}</strong> {describe(r)}
              </span>
              {r.outcome !== 'ok' && <Badge value={r.outcome} />}
            </li>
          ))}
        </ol>
      )}
      <p className="small"><Link to={`/audit?action=model.${modelId ? `&subject=model:${encodeURIComponent(modelId)}` : ''}`}>Everything in the audit log →</Link></p>
    </>
  );
}
