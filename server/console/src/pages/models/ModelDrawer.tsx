// One model's details in a side panel (its id in the URL, ?model=…, so it can be linked and
// survives a reload): what it is (metadata, hashes, contract, where it came from), how it did
// (evaluation bars, the validation report), what it ran (jobs), who changed it (history), and
// the admin's actions. Escape or the close button puts the registry back in front.
import { useEffect, useRef } from 'react';
import { useAuth } from '../../auth.js';
import { Badge, Button } from '../../components/ui.js';
import { formatBytes, formatDateTime, relativeTime } from '../../format.js';
import { Link, setSearch } from '../../router.js';
import { History } from './History.js';
import { MetricsView } from './MetricsView.js';
import { ModelActions, RollbackButton } from './ModelActions.js';
import { modelLabel, SOURCE_LABEL, STATUS_LABEL, type Model } from './model-types.js';
import { CheckList, SelfCheckFigures, TensorTable } from './ReportView.js';
import { recalledReport } from './upload.js';

interface Props {
  readonly id: string;
  readonly model: Model | undefined;
  readonly active: Model | undefined;
  readonly shadow: Model | undefined;
  /** Where a rollback would go (shown with the active model). */
  readonly rollbackTo: Model | undefined;
  /** Changes made on the page so far (reloads the history). */
  readonly changes: number;
  readonly onChanged: () => void;
}

const SHOWN_METADATA = new Set(['name', 'version', 'stage', 'architecture', 'config_hash', 'noise_model', 'training_data']);

export function ModelDrawer({ id, model, active, shadow, rollbackTo, changes, onChanged }: Props) {
  const { can } = useAuth();
  const heading = useRef<HTMLHeadingElement>(null);
  const close = (): void => setSearch({ model: undefined });
  useEffect(() => {
    heading.current?.focus();
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape' && !document.querySelector('dialog[open]')) close();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [id]);
  return (
    <aside className="models-drawer" role="dialog" aria-labelledby="model-drawer-title" data-testid="model-drawer" data-model={id}>
      <div className="models-drawer-head">
        <h2 id="model-drawer-title" tabIndex={-1} ref={heading}>{model ? modelLabel(model) : 'Model'}</h2>
        {model && <Badge value={STATUS_LABEL[model.status]} />}
        <Button variant="ghost" className="models-drawer-close" onClick={close} aria-label="Close the details">✕</Button>
      </div>
      {!model ? (
        <p className="muted">No model <code>{id}</code> in the registry (it may have been removed). <button type="button" className="link-button" onClick={close}>Back to the registry</button></p>
      ) : (
        <Details model={model} active={active} shadow={shadow} rollbackTo={rollbackTo} changes={changes} onChanged={onChanged} admin={can('admin')} />
      )}
    </aside>
  );
}

function Details({ model, admin, ...p }: Omit<Props, 'id' | 'model'> & { model: Model; admin: boolean }) {
  const { active, shadow, rollbackTo, changes, onChanged } = p;
  const md = model.metadata;
  const report = recalledReport(model.id);
  const extra = Object.entries(md).filter(([k]) => !SHOWN_METADATA.has(k));
  return (
    <div className="models-drawer-body">
      {model.status === 'active' && (
        <div className="models-active-note">
          <p>Every new image is processed with it. To replace it, promote another model{rollbackTo ? '; or go back to the one active before' : ''}.</p>
          {admin && <RollbackButton active={model} target={rollbackTo} onChanged={onChanged} />}
        </div>
      )}
      {admin ? <ModelActions model={model} active={active} shadow={shadow} onChanged={onChanged} /> : <p className="muted small">Promoting, shadow mode and retiring need the admin role.</p>}
      <section>
        <h3>Model</h3>
        <dl className="props">
          <dt>Source</dt>
          <dd>{SOURCE_LABEL[model.source]}{model.trainingRunId && <> · <Link to={`/training/${encodeURIComponent(model.trainingRunId)}`}>training run</Link></>}</dd>
          <dt>Stage</dt><dd>{model.stage ?? md.stage ?? '—'}</dd>
          <dt>Architecture</dt><dd>{md.architecture ?? '—'}</dd>
          <dt>Noise model</dt><dd>{md.noise_model ?? '—'}</dd>
          <dt>Training data</dt><dd>{md.training_data ?? '—'}</dd>
          <dt>Params hash</dt><dd className="mono" title="config_hash: the training configuration's hash">{md.config_hash ?? '—'}</dd>
          <dt>File sha256</dt><dd className="mono" title={model.sha256}>{model.sha256.slice(0, 16)}…</dd>
          <dt>File</dt><dd className="mono small">{model.file} <span className="muted">({formatBytes(model.sizeBytes)})</span></dd>
          <dt>Registered</dt><dd title={formatDateTime(model.createdAt)}>{relativeTime(model.createdAt)} by {model.createdBy}</dd>
          <dt>Last promoted</dt><dd title={formatDateTime(model.promotedAt)}>{model.promotedAt ? relativeTime(model.promotedAt) : 'never'}</dd>
          {extra.map(([k, v]) => (
            <FragmentRow key={k} k={k} v={v} />
          ))}
        </dl>
      </section>
      <section>
        <h3>Input and output</h3>
        {report && report.inputs.length > 0 ? (
          <TensorTable inputs={report.inputs} outputs={report.outputs} />
        ) : (
          <p className="muted small">
            Input <code>noisy</code>, output <code>denoised</code>: float32 [N, 1, H, W] in [0, 1], the contract every model the node runs has (training/README.md, "Export").
          </p>
        )}
      </section>
      <section>
        <h3>Evaluation</h3>
        <MetricsView model={model} active={active} />
      </section>
      <section>
        <h3>Validation</h3>
        <Validation model={model} />
      </section>
      <section>
        <h3>Jobs</h3>
        <JobsRun model={model} />
      </section>
      <section>
        <h3>History</h3>
        <History modelId={model.id} limit={20} changes={changes} />
      </section>
    </div>
  );
}

function FragmentRow({ k, v }: { k: string; v: string }) {
  return (
    <>
      <dt>{k.replace(/_/g, ' ')}</dt>
      <dd>{v || '—'}</dd>
    </>
  );
}

function Validation({ model }: { model: Model }) {
  const report = recalledReport(model.id);
  if (report) {
    return (
      <>
        <p className="muted small">The report of its upload from this browser tab:</p>
        <CheckList checks={report.checks} />
        {report.selfCheck && <SelfCheckFigures figures={report.selfCheck} />}
      </>
    );
  }
  const selfCheck = model.metrics?.selfCheck;
  if (model.source === 'shipped') {
    return <p className="muted">Shipped with the node (or named by its configuration): checked by the product's own tests, not self-checked at start.</p>;
  }
  return (
    <>
      <p><Badge value="passed" tone="ok" /> Passed every check when it was registered (the node refuses a model that fails one): it loads, has the contract's input and output, names itself, and denoises the fixture sensibly.</p>
      {selfCheck && typeof selfCheck === 'object' ? <SelfCheckFigures figures={selfCheck as Record<string, unknown>} /> : <p className="muted small">No self-check figures were stored.</p>}
    </>
  );
}

function JobsRun({ model }: { model: Model }) {
  const { total, byRole, byState } = model.jobs;
  if (total === 0) return <p className="muted">No job has run this model yet.</p>;
  const list = (o: Readonly<Record<string, number>>): string => Object.entries(o).map(([k, n]) => `${n} ${k}`).join(', ');
  return (
    <dl className="props">
      <dt>Total</dt><dd>{total}</dd>
      <dt>By role</dt><dd>{list(byRole)}</dd>
      <dt>By state</dt><dd>{list(byState)}</dd>
      {(byRole.shadow ?? 0) > 0 && (<><dt>Shadow results</dt><dd><Link to="/jobs?role=shadow">shadow jobs →</Link></dd></>)}
    </dl>
  );
}
