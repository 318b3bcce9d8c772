// A validation report: every check the node ran with pass/fail and its sentence, the model's
// input and output as onnxruntime reads them, and the self-check's figures on the fixture.
import type { ReactNode } from 'react';
import { formatMs, formatNumber } from '../../format.js';
import type { Check, Tensor, ValidationReport } from './model-types.js';

/** What each check name means, for people who did not write the registry. */
const CHECK_TITLES: Readonly<Record<string, string>> = {
  onnx: 'Loads in onnxruntime',
  contract: 'Input and output contract',
  metadata: 'Name and version metadata',
  runs: 'Runs on a radiograph',
  range: 'Output finite, in [0, 1]',
  tiling: 'Tiled output equals one pass',
  change: 'Behaves like a denoiser',
};

export function CheckList({ checks, note }: { checks: readonly Check[]; note?: ReactNode }) {
  return (
    <>
      <ul className="models-checks" data-testid="validation-checks">
        {checks.map((c, i) => (
          <li key={`${c.name}-${i}`} className={c.ok ? 'models-check-ok' : 'models-check-bad'} data-check={c.name} data-ok={String(c.ok)}>
            <span className="models-check-mark" aria-label={c.ok ? 'passed' : 'failed'}>{c.ok ? '✓' : '✗'}</span>
            <span className="models-check-name">
              {CHECK_TITLES[c.name] ?? c.name} <code>{c.name}</code>
            </span>
            <span className="models-check-detail">{c.detail}</span>
          </li>
        ))}
      </ul>
      {note && <p className="muted small">{note}</p>}
    </>
  );
}

export function TensorTable({ inputs, outputs }: { inputs: readonly Tensor[]; outputs: readonly Tensor[] }) {
  const rows = [...inputs.map((t) => ['input', t] as const), ...outputs.map((t) => ['output', t] as const)];
  if (rows.length === 0) return null;
  return (
    <table className="table models-tensors">
      <thead>
        <tr><th /><th>Name</th><th>Type</th><th>Shape</th></tr>
      </thead>
      <tbody>
        {rows.map(([kind, t]) => (
          <tr key={`${kind}-${t.name}`}>
            <td className="muted">{kind}</td>
            <td><code>{t.name}</code></td>
            <td>{t.type}</td>
            <td className="mono">[{t.shape.join(', ')}]</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ReportView({ report }: { report: ValidationReport }) {
  return (
    <div className="models-report">
      <CheckList checks={report.checks} />
      <TensorTable inputs={report.inputs} outputs={report.outputs} />
      {report.selfCheck && <SelfCheckFigures figures={report.selfCheck} />}
    </div>
  );
}

/** The self-check's numbers (stored with the model's metrics as `selfCheck`). */
export function SelfCheckFigures({ figures }: { figures: Readonly<Record<string, unknown>> }) {
  const n = (k: string): number | undefined => (typeof figures[k] === 'number' ? (figures[k] as number) : undefined);
  const fixture = typeof figures.fixture === 'string' ? figures.fixture.split('/').at(-1) : undefined;
  const sci = (v: number | undefined): string => (v === undefined ? '—' : v === 0 ? '0' : v.toExponential(1));
  return (
    <dl className="props models-selfcheck">
      <dt>Fixture</dt>
      <dd>{fixture ?? '—'} {n('width') !== undefined && <span className="muted">({n('width')}×{n('height')})</span>}</dd>
      <dt>Output range</dt>
      <dd>{formatNumber(n('outputMin'), 4)} … {formatNumber(n('outputMax'), 4)} <span className="muted">({n('nonFinite') ?? 0} non-finite)</span></dd>
      <dt>Tiled vs one pass</dt>
      <dd>max {sci(n('tiledMaxDiff'))}, mean {sci(n('tiledMeanDiff'))} <span className="muted">(tile {n('tile')} px, overlap {n('overlap')} px)</span></dd>
      <dt>Mean change</dt>
      <dd>{n('meanAbsChange') === undefined ? '—' : `${(n('meanAbsChange')! * 100).toFixed(2)} % of the range`}</dd>
      <dt>Self-check time</dt>
      <dd>{formatMs(n('ms'))}</dd>
    </dl>
  );
}
