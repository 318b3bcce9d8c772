// How the console writes numbers, sizes, durations and times, the same on every page.

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 && i > 0 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  if (m < 60) return `${m} min ${s} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "3 min ago", "in 2 h"; the full local time is for the title attribute. */
export function relativeTime(iso: string | Date | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const t = new Date(iso).getTime();
  const d = (t - now) / 1000;
  const a = Math.abs(d);
  const [v, unit] = a < 45 ? [0, 'now'] : a < 3600 ? [Math.round(a / 60), 'min'] : a < 86400 ? [Math.round(a / 3600), 'h'] : [Math.round(a / 86400), 'd'];
  if (unit === 'now') return 'just now';
  return d < 0 ? `${v} ${unit} ago` : `in ${v} ${unit}`;
}

export function formatDateTime(iso: string | Date | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** DICOM DA (YYYYMMDD) or ISO date → "2024-03-01". */
export function formatDicomDate(da: string | null | undefined): string {
  if (!da) return '—';
  const m = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(da);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : da;
}

export function formatNumber(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return n.toLocaleString(undefined, { maximumFractionDigits: digits });
}

/** A long UID shortened in the middle for tables (the full one goes in the title). */
export function shortUid(uid: string | null | undefined, keep = 10): string {
  if (!uid) return '—';
  return uid.length <= keep * 2 + 1 ? uid : `${uid.slice(0, keep)}…${uid.slice(-keep)}`;
}
