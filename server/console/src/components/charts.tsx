// Small SVG charts with no dependency: a time series (lines, areas, or stacked bars) with a
// legend, horizontal bars, a gauge and a sparkline. Each draws at its real width, says what it
// shows in its aria-label (a screen reader hears the totals and peaks, not a picture), shows a
// tooltip on hover and, for time series, on the arrow keys once focused; and says so plainly
// when there is nothing to draw. Colours are the theme's (styles.css), passed in by the page.
import { useState, type KeyboardEvent, type MouseEvent, type ReactNode } from 'react';
import { binRange, niceTicks, timeLabels, useWidth } from './chart-scales.js';
import './charts.css';

export interface TimeSeries {
  readonly key: string;
  readonly label: string;
  readonly color: string;
  readonly values: readonly number[];
}

const M = { top: 10, right: 12, bottom: 24, left: 40 };

export function Legend({ series }: { series: readonly Pick<TimeSeries, 'key' | 'label' | 'color'>[] }) {
  return (
    <div className="legend" aria-hidden="true">
      {series.map((s) => (
        <span key={s.key}>
          <span className="legend-swatch" style={{ background: s.color }} />
          {s.label}
        </span>
      ))}
    </div>
  );
}

interface TimeChartProps {
  readonly title: string;
  readonly kind: 'line' | 'area' | 'stacked';
  /** Start of each bin, ISO 8601. */
  readonly times: readonly string[];
  readonly binHours?: number;
  readonly series: readonly TimeSeries[];
  readonly height?: number;
  /** What the values count ("images"), for the summary. */
  readonly unit?: string;
  readonly emptyText?: ReactNode;
}

/** Several series over time with a legend; stacked bars add up, lines and areas overlap. */
export function TimeChart({ title, kind, times, binHours = 1, series, height = 200, unit = '', emptyText }: TimeChartProps) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const [hover, setHover] = useState<number | null>(null);
  const n = times.length;
  const totals = series.map((s) => s.values.reduce((a, b) => a + b, 0));
  const empty = n === 0 || totals.every((t) => t === 0);
  const max = kind === 'stacked'
    ? Math.max(0, ...times.map((_, i) => series.reduce((a, s) => a + (s.values[i] ?? 0), 0)))
    : Math.max(0, ...series.flatMap((s) => s.values));
  const { ticks, top } = niceTicks(max, 4);
  const plotW = Math.max(10, width - M.left - M.right);
  const plotH = height - M.top - M.bottom;
  const band = plotW / Math.max(1, n);
  const x = (i: number): number => M.left + (i + 0.5) * band;
  const y = (v: number): number => M.top + plotH - (v / top) * plotH;
  const summary = `${title}: ${empty ? 'nothing in this window' : series.map((s, i) => `${s.label} ${totals[i]}${unit ? ` ${totals[i] === 1 ? unit.replace(/s$/, '') : unit}` : ''}${peakText(s, times)}`).join('; ')}.`;
  const pick = (e: MouseEvent<SVGRectElement>): void => {
    const box = e.currentTarget.getBoundingClientRect();
    setHover(Math.min(n - 1, Math.max(0, Math.floor((e.clientX - box.left) / (box.width / n)))));
  };
  const keys = (e: KeyboardEvent<HTMLDivElement>): void => {
    const moves: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, Home: -n, End: n };
    if (e.key === 'Escape') return setHover(null);
    if (!(e.key in moves) || empty) return;
    e.preventDefault();
    setHover((h) => Math.min(n - 1, Math.max(0, (h ?? (moves[e.key]! > 0 ? -1 : n)) + moves[e.key]!)));
  };
  return (
    <div className="chart-box" ref={ref} tabIndex={empty ? undefined : 0} onKeyDown={keys} onBlur={() => setHover(null)} aria-label={empty ? undefined : `${title}: arrow keys read each ${binHours > 1 ? `${binHours}-hour bin` : 'hour'}`}>
      <svg className="xchart" width={width} height={height} role="img" aria-label={summary}>
        {ticks.map((t) => (
          <g key={t}>
            <line className="grid-line" x1={M.left} x2={M.left + plotW} y1={y(t)} y2={y(t)} />
            <text x={M.left - 6} y={y(t)} dy="0.32em" textAnchor="end">{t}</text>
          </g>
        ))}
        {timeLabels(times, binHours, Math.floor(plotW / 64)).map((l) => (
          <g key={l.index}>
            <line className="axis-tick" x1={x(l.index)} x2={x(l.index)} y1={M.top + plotH} y2={M.top + plotH + 4} />
            <text x={x(l.index)} y={height - 6} textAnchor={anchor(x(l.index), M.left, M.left + plotW, l.text.length * 6.5)}>{l.text}</text>
          </g>
        ))}
        {!empty && (kind === 'stacked' ? <StackedBars series={series} n={n} x={x} y={y} band={band} /> : <Lines series={series} area={kind === 'area'} x={x} y={y} base={y(0)} />)}
        {hover !== null && !empty && <line className="hover-line" x1={x(hover)} x2={x(hover)} y1={M.top} y2={M.top + plotH} />}
        {!empty && <rect className="hit" x={M.left} y={M.top} width={plotW} height={plotH} onMouseMove={pick} onMouseLeave={() => setHover(null)} />}
      </svg>
      {empty && <div className="chart-empty" style={{ top: M.top, left: M.left, width: plotW, height: plotH }}>{emptyText ?? 'Nothing in this window'}</div>}
      {hover !== null && !empty && (
        <Tip x={x(hover)} width={width}>
          <strong>{binRange(times, hover, binHours)}</strong>
          {series.map((s) => (
            <span key={s.key}><span className="legend-swatch" style={{ background: s.color }} />{s.label}: <b>{s.values[hover] ?? 0}</b></span>
          ))}
        </Tip>
      )}
      <Legend series={series} />
    </div>
  );
}

/** A label centred on its tick unless that would cut it at the plot's edges. */
function anchor(at: number, left: number, right: number, textWidth: number): 'start' | 'middle' | 'end' {
  if (at + textWidth / 2 > right + 8) return 'end';
  if (at - textWidth / 2 < left - 30) return 'start';
  return 'middle';
}

function peakText(s: TimeSeries, times: readonly string[]): string {
  let best = 0;
  s.values.forEach((v, i) => v > (s.values[best] ?? 0) && (best = i));
  const peak = s.values[best] ?? 0;
  return peak > 0 ? ` (peak ${peak} at ${new Date(times[best]!).toLocaleString(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' })})` : '';
}

type Scale = (v: number) => number;

function Lines({ series, area, x, y, base }: { series: readonly TimeSeries[]; area: boolean; x: Scale; y: Scale; base: number }) {
  return (
    <g>
      {series.map((s, k) => {
        const pts = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
        const single = s.values.length === 1;
        return (
          <g key={s.key}>
            {area && !single && <path d={`M${x(0)},${base} L${pts.join(' L')} L${x(s.values.length - 1)},${base} Z`} fill={s.color} fillOpacity={0.14} />}
            {single ? <circle cx={x(0)} cy={y(s.values[0]!)} r={3} fill={s.color} /> : <polyline points={pts.join(' ')} fill="none" stroke={s.color} strokeWidth={Math.max(1.5, 4 - k * 1.25)} strokeLinejoin="round" />}
          </g>
        );
      })}
    </g>
  );
}

function StackedBars({ series, n, x, y, band }: { series: readonly TimeSeries[]; n: number; x: Scale; y: Scale; band: number }) {
  const w = Math.max(1, Math.min(28, band * 0.72));
  const rects: ReactNode[] = [];
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (const s of series) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      rects.push(<rect key={`${s.key}-${i}`} x={x(i) - w / 2} y={y(acc + v)} width={w} height={Math.max(1, y(acc) - y(acc + v))} fill={s.color} rx={1} />);
      acc += v;
    }
  }
  return <g>{rects}</g>;
}

/** The floating box next to the hovered point, kept inside the chart. */
function Tip({ x, width, children }: { x: number; width: number; children: ReactNode }) {
  const left = x > width / 2;
  return (
    <div className="chart-tip" role="status" style={left ? { right: width - x + 10 } : { left: x + 10 }}>
      {children}
    </div>
  );
}

export interface BarItem {
  readonly key: string;
  readonly label: string;
  readonly value: number;
  readonly color?: string;
  /** Shown in the tooltip under the value. */
  readonly hint?: string;
}

/** Horizontal bars, one per item, with an axis of nice ticks; `format` writes values. */
export function HBarChart({ title, items, format = String, tickFormat, integer = false, emptyText, color = 'var(--accent)' }: { title: string; items: readonly BarItem[]; format?: (v: number) => string; tickFormat?: (v: number) => string; /** Counts: whole-number ticks. */ integer?: boolean; emptyText?: ReactNode; color?: string }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const [hover, setHover] = useState<number | null>(null);
  const row = 24;
  const labelW = Math.min(130, Math.max(60, ...items.map((i) => i.label.length * 7 + 8)));
  const height = M.top + items.length * row + M.bottom;
  const empty = items.length === 0 || items.every((i) => !(i.value > 0));
  const { ticks, top } = niceTicks(Math.max(0, ...items.map((i) => i.value)), Math.max(3, Math.floor((width - labelW - 48) / 70)), integer);
  const plotW = Math.max(10, width - labelW - M.right - 48);
  const x = (v: number): number => labelW + (v / top) * plotW;
  const summary = `${title}: ${empty ? 'no data' : items.map((i) => `${i.label} ${format(i.value)}`).join(', ')}.`;
  if (empty) return <div className="chart-box"><div className="chart-empty chart-empty-inline" role="img" aria-label={summary}>{emptyText ?? 'No data yet'}</div></div>;
  return (
    <div className="chart-box" ref={ref}>
      <svg className="xchart" width={width} height={height} role="img" aria-label={summary}>
        {ticks.map((t) => (
          <g key={t}>
            <line className="grid-line" x1={x(t)} x2={x(t)} y1={M.top} y2={height - M.bottom} />
            <text x={x(t)} y={height - 6} textAnchor="middle">{(tickFormat ?? format)(t)}</text>
          </g>
        ))}
        {items.map((item, i) => (
          <g key={item.key} onMouseEnter={() => setHover(i)} onMouseLeave={() => setHover(null)}>
            <rect className="hit" x={0} y={M.top + i * row} width={width} height={row} />
            <text className="bar-label" x={labelW - 8} y={M.top + i * row + row / 2} dy="0.32em" textAnchor="end">{item.label}</text>
            <rect x={labelW} y={M.top + i * row + 5} width={Math.max(item.value > 0 ? 2 : 0, x(item.value) - labelW)} height={row - 10} rx={2} fill={item.color ?? color} opacity={hover === null || hover === i ? 1 : 0.55} />
            <text className="bar-value" x={x(item.value) + 6} y={M.top + i * row + row / 2} dy="0.32em">{format(item.value)}</text>
          </g>
        ))}
      </svg>
      {hover !== null && items[hover] && (
        <div className="chart-tip" role="status" style={{ left: labelW + 8, top: M.top + (hover + 1) * row + 2 }}>
          <strong>{items[hover].label}: {format(items[hover].value)}</strong>
          {items[hover].hint && <span>{items[hover].hint}</span>}
        </div>
      )}
    </div>
  );
}

/** A half-circle meter: amber from `warnAt`, red from `badAt` (fractions of max). */
export function Gauge({ title, value, max, format = String, warnAt = 0.8, badAt = 0.9, children }: { title: string; value: number; max: number; format?: (v: number) => string; warnAt?: number; badAt?: number; children?: ReactNode }) {
  const valid = max > 0 && Number.isFinite(value);
  const f = valid ? Math.min(1, Math.max(0, value / max)) : 0;
  const tone = f >= badAt ? 'var(--bad)' : f >= warnAt ? 'var(--warn)' : 'var(--ok)';
  const r = 70;
  const arc = (to: number): string => {
    const a = Math.PI * (1 - to);
    return `M ${90 - r} 90 A ${r} ${r} 0 0 1 ${(90 + r * Math.cos(a)).toFixed(2)} ${(90 - r * Math.sin(a)).toFixed(2)}`;
  };
  const pct = `${Math.round(f * 100)}%`;
  const summary = valid ? `${title}: ${pct} (${format(value)} of ${format(max)})` : `${title}: unknown`;
  return (
    <div className="gauge">
      <svg viewBox="0 0 180 104" width={180} height={104} role="img" aria-label={summary}>
        <path d={arc(1)} className="gauge-track" />
        {f > 0 && <path d={arc(f)} className="gauge-value" style={{ stroke: tone }} />}
        <text x={90} y={84} textAnchor="middle" className="gauge-text">{valid ? pct : '—'}</text>
      </svg>
      {children && <div className="gauge-caption">{children}</div>}
    </div>
  );
}

/** A tiny trend line for a stat tile, as wide as the tile (decorative: the tile says the number). */
export function Sparkline({ values, color, height = 28 }: { values: readonly number[]; color: string; height?: number }) {
  if (values.length < 2) return null;
  const max = Math.max(1, ...values);
  const pts = values.map((v, i) => `${((i / (values.length - 1)) * 100).toFixed(2)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`);
  return (
    <svg className="sparkline" viewBox={`0 0 100 ${height}`} preserveAspectRatio="none" width="100%" height={height} aria-hidden="true">
      <polyline points={pts.join(' ')} fill="none" stroke={color} strokeWidth={1.5} vectorEffect="non-scaling-stroke" strokeLinejoin="round" />
    </svg>
  );
}
