// A model's evaluation figures as small bar comparisons: PSNR and SSIM per noise setting,
// against the noisy input (the baseline every evaluation carries) and, for a model that is not
// the active one, against the active model on the same settings. Figures come in the shape the
// node stores for shipped models (models/eval/eval.json → evaluation.settings[] with psnr, ssim,
// noisyPsnr, noisySsim), the evaluation report's own (settings[].results{method}), or flat.
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
    return a ? { ...s, series: [s.series[0]!, { ...a, label: 'active model', tone: 'other' as const }, ...s.series.slice(1)] } : s;
  });
}

export function MetricsView({ model, active }: { model: Model; active?: Model }) {
  const against = active && active.id !== model.id ? active : undefined;
  const settings = withActive(evaluationOf(model), against);
  const ev = obj(model.metrics?.evaluation);
  if (settings.length === 0) {
    return <p className="muted">No evaluation figures for this model. A training run registers its evaluation report with the model; an upload can attach figures as JSON.</p>;
  }
  const maxPsnr = Math.max(1, ...settings.flatMap((s) => s.series.map((x) => x.psnr ?? 0)));
  return (
    <div className="models-metrics" data-testid="model-metrics">
      {/* One grid for every setting, so the bars of all settings line up. */}
      <div className="models-metric-grid">
        <span />
        <span className="muted small">PSNR (dB)</span>
        <span className="muted small">SSIM</span>
        {settings.map((s) => (
          <div className="models-metric-setting" key={s.key}>
            <span className="models-metric-title">{s.label}</span>
            {s.series.map((x) => (
              <Row key={x.label} series={x} maxPsnr={maxPsnr} />
            ))}
          </div>
        ))}
      </div>
      <p className="muted small">
        {against && settings.some((s) => s.series.some((x) => x.label === 'active model')) && <>Active model: {against.name} {against.version}, on the same settings. </>}
        {ev && num(ev.images) !== undefined && <>{ev.images as number} images</>}
        {ev && typeof ev.data === 'string' && <> from <code>{ev.data}</code></>}
        {ev && typeof ev.source === 'string' && <> · {ev.source}</>}
      </p>
    </div>
  );
}

function Row({ series, maxPsnr }: { series: Series; maxPsnr: number }) {
  return (
    <>
      <span className={`models-metric-label models-tone-${series.tone}`}>{series.label}</span>
      <Bar label={series.label} value={series.psnr} fraction={(series.psnr ?? 0) / maxPsnr} text={fixed(series.psnr, 2)} tone={series.tone} />
      <Bar label={series.label} value={series.ssim} fraction={series.ssim ?? 0} text={fixed(series.ssim, 3)} tone={series.tone} />
    </>
  );
}

/** Fixed decimals: figures in a column line up and 0.910 is not shown as 0.91 next to 0.905. */
function fixed(v: number | undefined, digits: number): string {
  return v === undefined ? '—' : v.toFixed(digits);
}

function Bar({ label, value, fraction, text, tone }: { label: string; value: number | undefined; fraction: number; text: string; tone: Series['tone'] }) {
  return (
    <div className={`models-metric-bar models-tone-${tone}`} title={`${label}: ${text}`} data-value={value}>
      <span className="models-metric-track"><span style={{ width: `${Math.max(0, Math.min(1, fraction)) * 100}%` }} /></span>
      <span className="models-metric-value num">{text}</span>
    </div>
  );
}

/** The headline figures for a table cell: PSNR and SSIM on the first setting, and its name. */
export function headline(m: Model): { figures: string; setting: string } | undefined {
  const first = evaluationOf(m)[0];
  const own = first?.series.find((x) => x.tone === 'this') ?? first?.series.find((x) => x.tone === 'other');
  if (!first || !own || own.psnr === undefined) return undefined;
  return { figures: `${fixed(own.psnr, 2)} dB${own.ssim !== undefined ? ` · ${fixed(own.ssim, 3)}` : ''}`, setting: first.label };
}
