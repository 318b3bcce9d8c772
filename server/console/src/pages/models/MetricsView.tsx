// A model's evaluation figures as small bar comparisons: PSNR and SSIM per noise setting,
// against the noisy input (the baseline every evaluation carries) and, for a model that is not
// the active one, against the active model on the same settings. Figures come in the shape the
// node stores for shipped models (models/eval/eval.json → evaluation.settings[] with psnr, ssim,
// noisyPsnr, noisySsim), the evaluation report's own (settings[].results{method}), or flat.
import { formatNumber } from '../../format.js';
import type { Model } from './model-types.js';

interface Series {
  readonly label: string;
  readonly psnr?: number;
  readonly ssim?: number;
  readonly tone: 'this' | 'base' | 'other';
}

interface Setting {
  readonly key: string;
  readonly label: string;
  readonly series: Series[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The settings of a model's evaluation, this model's own series first. */
export function evaluationOf(m: Pick<Model, 'metrics'>): Setting[] {
  const ev = obj(m.metrics?.evaluation);
  if (!ev) return [];
  const list = Array.isArray(ev.settings) ? ev.settings.map(obj).filter((s): s is Obj => !!s) : [];
  if (list.length === 0 && (num(ev.psnr) !== undefined || num(ev.ssim) !== undefined)) {
    return [{ key: 'evaluation', label: 'Evaluation', series: [{ label: 'this model', psnr: num(ev.psnr), ssim: num(ev.ssim), tone: 'this' }] }];
  }
  return list.map((s, i) => {
    const key = String(s.key ?? s.label ?? i);
    const label = String(s.label ?? s.key ?? `setting ${i + 1}`);
    const results = obj(s.results);
    if (results) {
      const series = Object.entries(results).flatMap(([method, r]) => {
        const o = obj(r);
        return o ? [{ label: method, psnr: num(o.psnr), ssim: num(o.ssim), tone: method === 'noisy' ? ('base' as const) : ('other' as const) }] : [];
      });
      return { key, label, series };
    }
    const series: Series[] = [{ label: 'this model', psnr: num(s.psnr), ssim: num(s.ssim), tone: 'this' }];
    if (num(s.noisyPsnr) !== undefined || num(s.noisySsim) !== undefined) series.push({ label: 'noisy input', psnr: num(s.noisyPsnr), ssim: num(s.noisySsim), tone: 'base' });
    return { key, label, series };
  });
}

/** Adds the active model's figures on the settings both were evaluated on. */
function withActive(settings: Setting[], active: Model | undefined): Setting[] {
  if (!active) return settings;
  const theirs = new Map(evaluationOf(active).map((s) => [s.key, s.series.find((x) => x.tone === 'this')]));
  return settings.map((s) => {
    const a = theirs.get(s.key);
    return a ? { ...s, series: [s.series[0]!, { ...a, label: `active: ${active.name} ${active.version}`, tone: 'other' as const }, ...s.series.slice(1)] } : s;
  });
}

export function MetricsView({ model, active }: { model: Model; active?: Model }) {
  const settings = withActive(evaluationOf(model), active && active.id !== model.id ? active : undefined);
  const ev = obj(model.metrics?.evaluation);
  if (settings.length === 0) {
    return <p className="muted">No evaluation figures for this model. A training run registers its evaluation report with the model; an upload can attach figures as JSON.</p>;
  }
  const maxPsnr = Math.max(1, ...settings.flatMap((s) => s.series.map((x) => x.psnr ?? 0)));
  return (
    <div className="models-metrics" data-testid="model-metrics">
      {settings.map((s) => (
        <div className="models-metric-setting" key={s.key}>
          <div className="models-metric-title">{s.label}</div>
          <div className="models-metric-grid">
            <span className="muted small">PSNR (dB)</span>
            <span className="muted small">SSIM</span>
            {s.series.map((x) => (
              <Row key={x.label} series={x} maxPsnr={maxPsnr} />
            ))}
          </div>
        </div>
      ))}
      {ev && (num(ev.images) !== undefined || typeof ev.data === 'string') && (
        <p className="muted small">
          {num(ev.images) !== undefined && <>{ev.images as number} images</>}
          {typeof ev.data === 'string' && <> from <code>{ev.data}</code></>}
          {typeof ev.source === 'string' && <> · {ev.source}</>}
        </p>
      )}
    </div>
  );
}

function Row({ series, maxPsnr }: { series: Series; maxPsnr: number }) {
  return (
    <>
      <Bar label={series.label} value={series.psnr} fraction={(series.psnr ?? 0) / maxPsnr} digits={2} tone={series.tone} />
      <Bar label={series.label} value={series.ssim} fraction={series.ssim ?? 0} digits={3} tone={series.tone} />
    </>
  );
}

function Bar({ label, value, fraction, digits, tone }: { label: string; value: number | undefined; fraction: number; digits: number; tone: Series['tone'] }) {
  return (
    <div className={`models-metric-bar models-tone-${tone}`} title={`${label}: ${formatNumber(value, digits)}`}>
      <span className="models-metric-label">{label}</span>
      <span className="models-metric-track"><span style={{ width: `${Math.max(0, Math.min(1, fraction)) * 100}%` }} /></span>
      <span className="models-metric-value num">{formatNumber(value, digits)}</span>
    </div>
  );
}

/** The headline figures for a table cell: PSNR and SSIM on the first setting, and its name. */
export function headline(m: Model): { figures: string; setting: string } | undefined {
  const first = evaluationOf(m)[0];
  const own = first?.series.find((x) => x.tone === 'this') ?? first?.series.find((x) => x.tone === 'other');
  if (!first || !own || own.psnr === undefined) return undefined;
  return { figures: `${formatNumber(own.psnr, 2)} dB${own.ssim !== undefined ? ` · ${formatNumber(own.ssim, 3)}` : ''}`, setting: first.label };
}
