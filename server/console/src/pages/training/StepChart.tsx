// A line chart over training steps (components/charts.tsx charts time bins, not steps): each
// series its own points, the y axis fitted to the data (losses on a log scale, since they fall
// by orders of magnitude), a dashed line where stage 2 begins, hover and arrow keys read the
// nearest step. Draws at its measured width like the dashboard's charts.
import { useState, type KeyboardEvent, type MouseEvent } from 'react';
import { useWidth } from '../../components/chart-scales.js';
import { Legend } from '../../components/charts.js';
import '../../components/charts.css';

export interface StepSeries {
  readonly key: string;
  readonly label: string;
  readonly color: string;
  readonly points: readonly { x: number; y: number }[];
  readonly dashed?: boolean;
}

interface Props {
  readonly title: string;
  readonly series: readonly StepSeries[];
  readonly log?: boolean;
  readonly height?: number;
  /** Step where stage 2 starts (drawn as a divider). */
  readonly divider?: number | null;
  readonly format?: (v: number) => string;
  readonly emptyText?: string;
}

const M = { top: 10, right: 14, bottom: 24, left: 52 };

export function StepChart({ title, series, log = false, height = 190, divider = null, format = (v) => v.toPrecision(3), emptyText = 'No points yet' }: Props) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const [hover, setHover] = useState<number | null>(null);
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.y) && (!log || p.y > 0));
  const xs = [...new Set(all.map((p) => p.x))].sort((a, b) => a - b);
  const plotW = Math.max(10, width - M.left - M.right);
  const plotH = height - M.top - M.bottom;
  const empty = all.length === 0;
  const [x0, x1] = [Math.min(0, ...xs), Math.max(1, ...xs)];
  const { lo, hi, ticks } = yRange(all.map((p) => p.y), log);
  const tx = (v: number): number => (log ? Math.log10(v) : v);
  const x = (v: number): number => M.left + ((v - x0) / Math.max(1e-9, x1 - x0)) * plotW;
  const y = (v: number): number => M.top + plotH - ((tx(v) - tx(lo)) / Math.max(1e-12, tx(hi) - tx(lo))) * plotH;
  const near = hover === null ? null : xs[hover]!;
  const pick = (e: MouseEvent<SVGRectElement>): void => {
    const box = e.currentTarget.getBoundingClientRect();
    const at = x0 + ((e.clientX - box.left) / box.width) * (x1 - x0);
    setHover(closest(xs, at));
  };
  const keys = (e: KeyboardEvent<HTMLDivElement>): void => {
    const moves: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, Home: -xs.length, End: xs.length };
    if (e.key === 'Escape') return setHover(null);
    if (!(e.key in moves) || empty) return;
    e.preventDefault();
    setHover((h) => Math.min(xs.length - 1, Math.max(0, (h ?? (moves[e.key]! > 0 ? -1 : xs.length)) + moves[e.key]!)));
  };
  const last = series.map((s) => s.points.at(-1)).map((p, i) => (p ? `${series[i]!.label} ${format(p.y)} at step ${p.x}` : `${series[i]!.label}: none yet`));
  return (
    <div className="chart-box" ref={ref} tabIndex={empty ? undefined : 0} onKeyDown={keys} onBlur={() => setHover(null)}>
      <svg className="xchart" width={width} height={height} role="img" aria-label={`${title}: ${last.join('; ')}`}>
        {!empty && ticks.map((t) => (
          <g key={t}>
            <line className="grid-line" x1={M.left} x2={M.left + plotW} y1={y(t)} y2={y(t)} />
            <text x={M.left - 6} y={y(t)} dy="0.32em" textAnchor="end">{format(t)}</text>
          </g>
        ))}
        {!empty && xTicks(x0, x1).map((t) => (
          <text key={t} x={x(t)} y={height - 6} textAnchor={t === x0 ? 'start' : t === x1 ? 'end' : 'middle'}>{t}</text>
        ))}
        {divider !== null && divider > x0 && divider < x1 && (
          <g>
            <line className="hover-line" x1={x(divider)} x2={x(divider)} y1={M.top} y2={M.top + plotH} />
            <text x={x(divider) + 4} y={M.top + 10}>GAN</text>
          </g>
        )}
        {!empty && series.map((s) => <Line key={s.key} s={s} x={x} y={y} log={log} />)}
        {near !== null && <line className="hover-line" x1={x(near)} x2={x(near)} y1={M.top} y2={M.top + plotH} />}
        {!empty && <rect className="hit" x={M.left} y={M.top} width={plotW} height={plotH} onMouseMove={pick} onMouseLeave={() => setHover(null)} />}
      </svg>
      {empty && <div className="chart-empty" style={{ top: M.top, left: M.left, width: plotW, height: plotH }}>{emptyText}</div>}
      {near !== null && (
        <div className="chart-tip" role="status" style={x(near) > width / 2 ? { right: width - x(near) + 10 } : { left: x(near) + 10 }}>
          <strong>step {near}</strong>
          {series.map((s) => {
            const p = s.points.find((q) => q.x === near);
            return p ? <span key={s.key}><span className="legend-swatch" style={{ background: s.color }} />{s.label}: <b>{format(p.y)}</b></span> : null;
          })}
        </div>
      )}
      <Legend series={series} />
    </div>
  );
}

function Line({ s, x, y, log }: { s: StepSeries; x: (v: number) => number; y: (v: number) => number; log: boolean }) {
  const pts = s.points.filter((p) => Number.isFinite(p.y) && (!log || p.y > 0));
  if (pts.length === 1) return <circle cx={x(pts[0]!.x)} cy={y(pts[0]!.y)} r={3} fill={s.color} />;
  return (
    <g>
      <polyline points={pts.map((p) => `${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ')} fill="none" stroke={s.color} strokeWidth={1.8} strokeDasharray={s.dashed ? '5 4' : undefined} strokeLinejoin="round" />
      {pts.length <= 30 && pts.map((p) => <circle key={p.x} cx={x(p.x)} cy={y(p.y)} r={2.2} fill={s.color} />)}
    </g>
  );
}

function closest(xs: readonly number[], at: number): number {
  let best = 0;
  xs.forEach((v, i) => Math.abs(v - at) < Math.abs(xs[best]! - at) && (best = i));
  return best;
}

/** The y axis: padded data range; decades (and 2x, 5x) on a log scale. */
export function yRange(values: readonly number[], log: boolean): { lo: number; hi: number; ticks: number[] } {
  if (values.length === 0) return { lo: log ? 0.01 : 0, hi: 1, ticks: log ? [0.01, 0.1, 1] : [0, 0.5, 1] };
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (log) {
    const decLo = Math.floor(Math.log10(lo));
    const decHi = Math.ceil(Math.log10(hi));
    const ticks: number[] = [];
    for (let d = decLo; d <= decHi; d++) for (const m of decHi - decLo <= 2 ? [1, 2, 5] : [1]) ticks.push(Number((m * 10 ** d).toPrecision(6)));
    lo *= 0.9;
    hi *= 1.1;
    const inside = ticks.filter((t) => t >= lo && t <= hi);
    // Within a fraction of a decade 1-2-5 leaves one tick or none: even steps read better there.
    return { lo, hi, ticks: inside.length >= 3 ? inside : linearTicks(lo, hi) };
  }
  const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.05 || 1;
  lo -= pad;
  hi += pad;
  return { lo, hi, ticks: linearTicks(lo, hi) };
}

function linearTicks(lo: number, hi: number): number[] {
  const step = niceStep((hi - lo) / 4);
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) ticks.push(Number(t.toPrecision(10)));
  return ticks;
}

function niceStep(raw: number): number {
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
}

function xTicks(x0: number, x1: number): number[] {
  const step = Math.max(1, Math.round(niceStep((x1 - x0) / 5)));
  const out: number[] = [];
  for (let t = Math.ceil(x0 / step) * step; t <= x1; t += step) out.push(t);
  return out;
}
