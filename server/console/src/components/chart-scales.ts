// The arithmetic behind components/charts.tsx, kept apart so it stays plain functions: "nice"
// axis ticks (1, 2 or 5 times a power of ten, whole numbers for counts), hour-aligned time
// labels in the reader's own time zone, and the width a chart really has on screen.
import { useLayoutEffect, useRef, useState, type RefObject } from 'react';

export interface Ticks {
  readonly ticks: number[];
  /** The axis' top: the first tick at or above the data's maximum. */
  readonly top: number;
}

/** About `count` ticks from 0 to at least `max`; `integer` keeps steps whole (counts). */
export function niceTicks(max: number, count = 4, integer = true): Ticks {
  if (!(max > 0) || !Number.isFinite(max)) return { ticks: [0, 1], top: 1 };
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  let step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * magnitude;
  if (integer) step = Math.max(1, Math.round(step));
  const top = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { ticks, top };
}

const HOUR_MS = 3_600_000;
const HOUR_STEPS = [1, 2, 3, 6, 12, 24, 48, 72, 168];

/**
 * Which bins get a label on the time axis: the smallest step (in hours) that fits `maxLabels`,
 * placed on local hours divisible by it (or local midnights for steps of a day and more).
 * Bins start on local hours divisible by binHours (rebin), so the two line up.
 */
export function timeLabels(times: readonly string[], binHours: number, maxLabels: number): { index: number; text: string }[] {
  if (times.length === 0) return [];
  const span = times.length * binHours;
  const step = HOUR_STEPS.find((s) => s >= binHours && s % binHours === 0 && span / s <= Math.max(1, maxLabels)) ?? HOUR_STEPS.at(-1)!;
  const out: { index: number; text: string }[] = [];
  times.forEach((t, index) => {
    const d = new Date(t);
    const aligned = step < 24 ? d.getHours() % step === 0 : d.getHours() === 0 && dayIndex(d) % (step / 24) === 0;
    if (!aligned) return;
    out.push({ index, text: step >= 24 || (d.getHours() === 0 && span > 24) ? shortDate(d) : hourLabel(d) });
  });
  return out;
}

function dayIndex(d: Date): number {
  return Math.floor((d.getTime() - d.getTimezoneOffset() * 60_000) / (24 * HOUR_MS));
}

export function hourLabel(d: Date): string {
  return d.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });
}

export function shortDate(d: Date): string {
  return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

/** "Mar 5, 14:00–15:00": the bin from `t` to the next bin's start (or binHours later). */
export function binRange(times: readonly string[], index: number, binHours: number): string {
  const start = new Date(times[index]!);
  const end = new Date(times[index + 1] ?? start.getTime() + binHours * HOUR_MS);
  return `${shortDate(start)}, ${hourLabel(start)}–${end.getDate() === start.getDate() ? hourLabel(end) : `${shortDate(end)} ${hourLabel(end)}`}`;
}

/**
 * Sums hours into bins of `binHours` (a divisor of 24) starting on local hours divisible by it,
 * so bins read "00–03, 03–06…"; the first bin may be shorter. Each bin keeps its first hour.
 */
export function rebin(times: readonly string[], values: readonly number[], binHours: number): { times: string[]; values: number[] } {
  if (binHours <= 1) return { times: [...times], values: [...values] };
  const outT: string[] = [];
  const outV: number[] = [];
  times.forEach((t, i) => {
    if (outT.length === 0 || new Date(t).getHours() % binHours === 0) {
      outT.push(t);
      outV.push(0);
    }
    outV[outV.length - 1]! += values[i] ?? 0;
  });
  return { times: outT, values: outV };
}

/** The element's width in CSS pixels, following resizes (charts draw at their real size). */
export function useWidth<T extends HTMLElement>(fallback = 600): [RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.getBoundingClientRect().width || fallback);
    const observer = new ResizeObserver(([entry]) => entry && entry.contentRect.width > 0 && setWidth(entry.contentRect.width));
    observer.observe(el);
    return () => observer.disconnect();
  }, [fallback]);
  return [ref, width];
}
