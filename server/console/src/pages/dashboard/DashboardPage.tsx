// What the node did and is doing, at a glance: images in and out over time, what needs an
// operator (failures, dead-letters, guard trips), the queue now, where the time goes (median
// stage latencies), the model and execution provider running, and the disk. Refreshes itself;
// the window is in the URL (?hours=), so a link shows the same view. A node that never received
// an image says how to send one, with its own AE title and port.
import { useEffect, useState } from 'react';
import { useApi } from '../../api.js';
import { HBarChart, Sparkline, TimeChart, type BarItem } from '../../components/charts.js';
import { rebin } from '../../components/chart-scales.js';
import { Button, Card, ErrorBanner, Loading, PageHeader, Select } from '../../components/ui.js';
import { formatMs } from '../../format.js';
import { setSearch, useLocation } from '../../router.js';
import type { PageProps } from '../index.js';
import { ProviderBadge, SystemCard, WelcomeCard } from './DashboardCards.js';
import type { Dashboard, HourPoint } from './types.js';
import './dashboard.css';

const RANGES = [
  { hours: 6, label: 'Last 6 hours' }, { hours: 24, label: 'Last 24 hours' }, { hours: 72, label: 'Last 3 days' },
  { hours: 168, label: 'Last 7 days' }, { hours: 336, label: 'Last 14 days' },
] as const;
const REFRESH_MS = 10_000;
const C = { received: 'var(--info)', processed: 'var(--ok)', shadow: '#a371f7', failed: 'var(--warn)', dead: 'var(--bad)', guard: '#db61a2', queued: 'var(--info)', processing: 'var(--accent)' };
const STAGES = ['read', 'decode', 'normalize', 'infer', 'guard', 'denormalize', 'encode', 'export'];

export default function DashboardPage(_props: PageProps) {
  const { search } = useLocation();
  const hours = RANGES.find((r) => String(r.hours) === search.get('hours'))?.hours ?? 24;
  const { data, error, loading, reload } = useApi<Dashboard>(`dashboard?hours=${hours}`, REFRESH_MS);
  const updated = useUpdatedAt(data);
  const actions = (
    <>
      <Select aria-label="Time range" className="input dash-range" value={hours} onChange={(e) => setSearch({ hours: e.target.value === '24' ? undefined : e.target.value })}>
        {RANGES.map((r) => <option key={r.hours} value={r.hours}>{r.label}</option>)}
      </Select>
      <Button onClick={reload} busy={loading && data !== undefined} title={`Refreshes by itself every ${REFRESH_MS / 1000} s`}>Refresh</Button>
    </>
  );
  return (
    <>
      <PageHeader title="Dashboard" subtitle={data ? <Subtitle d={data} updated={updated} /> : undefined} actions={actions} />
      <ErrorBanner error={error} title="The dashboard could not be loaded" />
      {!data && loading && <Loading />}
      {data && (data.totalReceived === 0 ? <NewNode d={data} /> : <Figures d={data} />)}
    </>
  );
}

function Subtitle({ d, updated }: { d: Dashboard; updated: Date | undefined }) {
  return (
    <span className="dash-subtitle">
      {d.node && <span>AE title <code>{d.node.aeTitle}</code> on DICOM port <code>{d.node.port}</code></span>}
      <span>Model <strong>{d.model.name}</strong> {d.model.version} on <ProviderBadge provider={d.provider} /></span>
      {updated && <span title={updated.toLocaleString()}>updated {updated.toLocaleTimeString()}</span>}
    </span>
  );
}

/** When the figures on screen were fetched (they are kept while a refresh runs). */
function useUpdatedAt(data: unknown): Date | undefined {
  const [at, setAt] = useState<Date>();
  useEffect(() => {
    if (data) setAt(new Date());
  }, [data]);
  return at;
}

function NewNode({ d }: { d: Dashboard }) {
  return (
    <>
      <WelcomeCard node={d.node} />
      <div className="grid grid-3">
        <SystemCard d={d} />
        <QueueCard d={d} />
        <LatencyCard d={d} />
      </div>
    </>
  );
}

function Figures({ d }: { d: Dashboard }) {
  const bin = d.hours <= 48 ? 1 : d.hours <= 168 ? 3 : 6;
  const times = d.series.map((p) => p.t);
  const binned = (k: keyof Omit<HourPoint, 't'>) => rebin(times, d.series.map((p) => p[k]), bin);
  const t = binned('received').times;
  const per = bin === 1 ? 'per hour' : `per ${bin} hours`;
  const flow = [
    { key: 'received', label: 'Received', color: C.received, values: binned('received').values },
    { key: 'processed', label: 'Processed', color: C.processed, values: binned('processed').values },
    ...(d.series.some((p) => p.shadow > 0) ? [{ key: 'shadow', label: 'Shadow results kept', color: C.shadow, values: binned('shadow').values }] : []),
  ];
  const trouble = [
    { key: 'failed', label: 'Failed (retrying)', color: C.failed, values: binned('failed').values },
    { key: 'dead', label: 'Dead-lettered', color: C.dead, values: binned('dead').values },
    { key: 'guard', label: 'Guard trips', color: C.guard, values: binned('guard').values },
  ];
  return (
    <>
      <Tiles d={d} />
      <div className="grid grid-2">
        <Card title={`Images ${per}`}>
          <TimeChart title={`Images received and processed ${per}`} kind="area" times={t} binHours={bin} series={flow} unit="images" emptyText="No images in this window" />
        </Card>
        <Card title={`Needs attention ${per}`}>
          <TimeChart title={`Failures, dead-letters and guard trips ${per}`} kind="stacked" times={t} binHours={bin} series={trouble} unit="jobs" emptyText="No failures, dead-letters or guard trips in this window" />
        </Card>
      </div>
      <div className="grid grid-3 dash-row">
        <QueueCard d={d} />
        <LatencyCard d={d} />
        <SystemCard d={d} />
      </div>
    </>
  );
}

function Tiles({ d }: { d: Dashboard }) {
  const sum = (k: keyof Omit<HourPoint, 't'>): number => d.series.reduce((n, p) => n + p[k], 0);
  const waiting = (d.queue.queued ?? 0) + (d.queue.processing ?? 0) + (d.queue.failed ?? 0);
  const tile = (label: string, value: number, key: keyof Omit<HourPoint, 't'> | null, color: string, note?: string) => (
    <Card className="dash-tile">
      <div className="stat">
        <span className="stat-label">{label}</span>
        <span className="stat-value" style={value > 0 && (key === 'dead' || key === 'guard') ? { color } : undefined}>{value.toLocaleString()}</span>
        {note && <span className="muted small">{note}</span>}
      </div>
      {key && <Sparkline values={d.series.map((p) => p[key])} color={color} />}
    </Card>
  );
  return (
    <div className="grid grid-4 dash-row">
      {tile('Received', sum('received'), 'received', C.received, `${d.totalReceived.toLocaleString()} since the node started`)}
      {tile('Processed', sum('processed'), 'processed', C.processed)}
      {tile('Dead-lettered', sum('dead'), 'dead', C.dead, `${d.queue.dead ?? 0} dead now`)}
      {tile('Guard trips', d.guardTrips, 'guard', C.guard)}
      {tile('In the queue', waiting, null, C.queued, `${d.queue.processing ?? 0} processing · ${d.queue.failed ?? 0} waiting to retry`)}
    </div>
  );
}

function QueueCard({ d }: { d: Dashboard }) {
  const q = (s: string): number => d.queue[s] ?? 0;
  const items: BarItem[] = [
    { key: 'queued', label: 'Queued', value: q('queued') + q('received'), color: C.queued, hint: 'waiting for the worker' },
    { key: 'processing', label: 'Processing', value: q('processing'), color: C.processing, hint: 'being denoised or sent' },
    { key: 'failed', label: 'Retrying', value: q('failed'), color: C.failed, hint: 'failed, retried after a backoff' },
    { key: 'dead', label: 'Dead', value: q('dead'), color: C.dead, hint: 'out of attempts: retry from the Jobs page' },
  ];
  return (
    <Card title="Queue now">
      <HBarChart title="Jobs in the queue by state" items={items} integer emptyText="The queue is empty: every image has been handled" />
      <p className="muted small dash-note">{q('exported').toLocaleString()} exported and {q('kept').toLocaleString()} shadow results kept in all.</p>
    </Card>
  );
}

function LatencyCard({ d }: { d: Dashboard }) {
  const known = STAGES.filter((s) => d.stageLatencyMs[s] !== undefined);
  const other = Object.keys(d.stageLatencyMs).filter((s) => !STAGES.includes(s) && s !== 'total');
  const items: BarItem[] = [...known, ...other].map((s) => ({ key: s, label: s, value: d.stageLatencyMs[s]!, hint: `median over ${d.latencySamples} jobs` }));
  return (
    <Card title="Median stage latency">
      <HBarChart title="Median latency per stage" items={items} format={formatMs} tickFormat={axisMs} emptyText="No job finished in this window yet" />
      {d.stageLatencyMs.total !== undefined && (
        <p className="muted small dash-note">Whole job: <strong>{formatMs(d.stageLatencyMs.total)}</strong> median over {d.latencySamples.toLocaleString()} jobs.</p>
      )}
    </Card>
  );
}

/** Axis ticks: "0", "500 ms", "2 s" (the bars carry the exact values). */
function axisMs(ms: number): string {
  if (ms === 0) return '0';
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(2))} s`;
}
