// The audit trail (operators and admins): who did what to which subject, when, from where, and
// whether it was allowed. Filters live in the URL so a filtered view can be bookmarked or sent;
// pages are the API's keyset pages (newest first), so reading older pages while new events
// arrive never skips or repeats a row. Clicking an actor, action or subject filters by it.
import { useMemo, useState } from 'react';
import { query, useApi } from '../../api.js';
import { Badge, Button, Card, EmptyState, ErrorBanner, Loading, PageHeader } from '../../components/ui.js';
import { formatDateTime, relativeTime } from '../../format.js';
import { Link, setSearch, useLocation } from '../../router.js';
import type { PageProps } from '../index.js';
import { AuditDetail } from './AuditDetail.js';
import { AuditFilters, FILTER_KEYS, type Filters } from './AuditFilters.js';
import './audit.css';

export interface AuditEvent {
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly outcome: string;
  readonly ip: string | null;
  readonly detail: unknown;
}

const PAGE_SIZE = 50;

export default function AuditPage(_props: PageProps) {
  const { search } = useLocation();
  const filters = Object.fromEntries(FILTER_KEYS.map((k) => [k, search.get(k) ?? ''])) as Filters;
  const key = FILTER_KEYS.map((k) => filters[k]).join('\u0000');
  // Cursors of the pages before this one, for these filters; other filters start at the newest.
  const [pages, setPages] = useState<{ key: string; cursors: string[] }>({ key, cursors: [] });
  const cursors = pages.key === key ? pages.cursors : [];
  const setCursors = (f: (c: string[]) => string[]): void => setPages({ key, cursors: f(cursors) });
  const cursor = cursors.at(-1);
  const path = `audit${query({ ...apiFilters(filters), limit: PAGE_SIZE, cursor })}`;
  // The first page follows new events; older pages are a fixed slice of the past.
  const { data, error, loading, reload } = useApi<{ items: AuditEvent[]; nextCursor: string | null }>(path, cursor ? undefined : 30_000);
  const filterBy = (k: keyof Filters, v: string): void => setSearch({ [k]: v });
  const active = FILTER_KEYS.some((k) => filters[k]);
  return (
    <>
      <PageHeader title="Audit log" subtitle="Who did what, when and from where: logins, configuration changes, job actions, model changes and views of patient data. Append-only." actions={<Button onClick={reload} busy={loading && data !== undefined}>Refresh</Button>} />
      <AuditFilters filters={filters} />
      <ErrorBanner error={error} title="The audit log could not be loaded" />
      <Card>
        {!data && loading && <Loading />}
        {data && data.items.length === 0 && (
          <EmptyState title={active ? 'No event matches these filters' : 'No events yet'} action={active ? <Button onClick={() => setSearch(Object.fromEntries(FILTER_KEYS.map((k) => [k, undefined])))}>Clear the filters</Button> : undefined}>
            {active ? 'Widen the dates or clear a filter.' : 'Logins, changes and job actions appear here as they happen.'}
          </EmptyState>
        )}
        {data && data.items.length > 0 && <AuditTable items={data.items} filterBy={filterBy} />}
        {data && (cursors.length > 0 || data.nextCursor) && (
          <nav className="audit-pager" aria-label="Audit pages">
            <Button onClick={() => setCursors(() => [])} disabled={cursors.length === 0}>Newest</Button>
            <Button onClick={() => setCursors((c) => c.slice(0, -1))} disabled={cursors.length === 0}>← Newer</Button>
            <span className="muted">Page {cursors.length + 1}</span>
            <Button onClick={() => data.nextCursor && setCursors((c) => [...c, data.nextCursor!])} disabled={!data.nextCursor}>Older →</Button>
          </nav>
        )}
      </Card>
    </>
  );
}

/** The URL's filters as the API takes them: dates are the reader's local days. */
function apiFilters(f: Filters): Record<string, string | undefined> {
  const day = (d: string, end: boolean): string | undefined => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) return d || undefined;
    const local = new Date(`${d}T${end ? '23:59:59.999' : '00:00:00.000'}`);
    return Number.isNaN(local.getTime()) ? d : local.toISOString();
  };
  return { action: f.action || undefined, actor: f.actor || undefined, subject: f.subject || undefined, outcome: f.outcome || undefined, from: day(f.from, false), to: day(f.to, true) };
}

function AuditTable({ items, filterBy }: { items: readonly AuditEvent[]; filterBy: (k: keyof Filters, v: string) => void }) {
  const now = useMemo(() => Date.now(), [items]);
  return (
    <div className="table-wrap">
      <table className="table audit-table">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>Action</th>
            <th>Subject</th>
            <th>Outcome</th>
            <th>Detail</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.id} data-action={e.action} data-outcome={e.outcome}>
              <td className="audit-when" title={new Date(e.at).toISOString()}>
                <div>{formatDateTime(e.at)}</div>
                <div className="muted small">{relativeTime(e.at, now)}</div>
              </td>
              <td className="audit-actor">
                <button type="button" className="link-button" title={`Only ${e.actor}`} onClick={() => filterBy('actor', e.actor)}>{e.actor}</button>
                {e.ip && <div className="muted small mono">{e.ip.replace(/^::ffff:/, '')}</div>}
              </td>
              <td className="audit-action"><button type="button" className="link-button mono" title={`Only ${e.action}`} onClick={() => filterBy('action', e.action)}>{e.action}</button></td>
              <td><Subject subject={e.subject} filterBy={filterBy} /></td>
              <td><Badge value={e.outcome} /></td>
              <td className="audit-detail"><AuditDetail detail={e.detail} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const PAGES: Record<string, (id: string) => string> = {
  job: (id) => `/jobs/${encodeURIComponent(id)}`, study: (id) => `/studies/${encodeURIComponent(id)}`, model: () => '/models', destination: () => '/destinations',
  rules: () => '/rules', settings: () => '/settings', run: (id) => `/training/${encodeURIComponent(id)}`, training: (id) => `/training/${encodeURIComponent(id)}`,
};

/** "job:abc" filters by that job; the arrow opens its page when the console has one. */
function Subject({ subject, filterBy }: { subject: string; filterBy: (k: keyof Filters, v: string) => void }) {
  const [kind, ...rest] = subject.split(':');
  const to = PAGES[kind!]?.(rest.join(':'));
  return (
    <span className="audit-subject">
      <button type="button" className="link-button mono" title={`Only ${subject}`} onClick={() => filterBy('subject', subject)}>{subject}</button>
      {to && <Link to={to} className="audit-open" aria-label={`Open ${subject}`} title="Open">↗</Link>}
    </span>
  );
}
