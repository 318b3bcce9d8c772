// What an admin can do with a model, each behind a dialog that says what will happen to the
// next image: promote (it processes the next image and its version is stamped into derived
// series), roll back, shadow mode on and off, retire. The node decides (and audits); the
// dialog shows its refusal (409: changed meanwhile, file missing, ...) where it was asked.
import { api } from '../../api.js';
import { ConfirmButton } from '../../components/ui.js';
import { modelLabel, type Model } from './model-types.js';

interface Props {
  readonly model: Model;
  /** The active model now (the one a promotion replaces). */
  readonly active: Model | undefined;
  /** The model in shadow mode now, if any. */
  readonly shadow: Model | undefined;
  readonly onChanged: () => void;
}

export function ModelActions({ model, active, shadow, onChanged }: Props) {
  const call = (method: 'POST' | 'DELETE', path: string) => async () => {
    try {
      await api(path, { method });
    } finally {
      onChanged();
    }
  };
  const id = encodeURIComponent(model.id);
  const name = modelLabel(model);
  if (model.status === 'retired') return <p className="muted small">Retired: out of use. Its file, jobs and derived series stay.</p>;
  if (model.status === 'active') return null;
  return (
    <div className="models-actions" data-testid="model-actions">
      <ConfirmButton
        label="Promote to active" variant="primary" confirm={`Promote ${name}?`} onConfirm={call('POST', `/api/models/${id}/promote`)}
        detail={
          <>
            <p data-testid="promote-consequence">The next image is processed with <strong>{name}</strong>; derived series will carry its version, <code>{model.version}</code>.</p>
            <p className="muted">
              Jobs already queued keep the model they were queued with.
              {active && <> {modelLabel(active)} goes back to the candidates; <em>Roll back</em> returns to it.</>}
              {model.status === 'shadow' && <> Shadow mode ends: a model cannot be both.</>}
            </p>
          </>
        }
      />
      {model.status === 'registered' && (
        <ConfirmButton
          label="Put in shadow mode" variant="secondary" confirm={`Shadow ${name}?`} onConfirm={call('POST', `/api/models/${id}/shadow`)}
          detail={
            <>
              <p>Every selected incoming image is also processed with <strong>{name}</strong>. Its results are kept for review and <strong>never sent</strong> to the PACS.</p>
              <p className="muted">
                What is sent does not change: derived series still come from {active ? modelLabel(active) : 'the active model'}. Each image is processed twice, so the node works harder.
                {shadow && <> {modelLabel(shadow)} leaves shadow mode.</>}
              </p>
            </>
          }
        />
      )}
      {model.status === 'shadow' && (
        <ConfirmButton
          label="Stop shadow mode" variant="secondary" confirm={`Stop shadowing ${name}?`} onConfirm={call('DELETE', '/api/models/shadow')}
          detail={<p>Incoming images are processed by {active ? modelLabel(active) : 'the active model'} only. The results {name} kept stay available for review.</p>}
        />
      )}
      <ConfirmButton
        label="Retire" confirm={`Retire ${name}?`} onConfirm={call('DELETE', `/api/models/${id}`)}
        detail={
          <p>
            {name} is taken out of use: it is no longer offered for promotion or shadow mode.
            {model.status === 'shadow' && <> Shadow mode ends.</>} Its file, its jobs and the derived series that name it stay.
          </p>
        }
      />
    </div>
  );
}

/** Back to the model active before the current one (the registry's promotion history decides which). */
export function RollbackButton({ active, target, onChanged }: { active: Model | undefined; target: Model | undefined; onChanged: () => void }) {
  if (!active || !target) return null;
  const name = modelLabel(target);
  return (
    <ConfirmButton
      label={`Roll back to ${name}`} variant="secondary" confirm={`Roll back to ${name}?`}
      onConfirm={async () => {
        try {
          await api('/api/models/rollback', { method: 'POST' });
        } finally {
          onChanged();
        }
      }}
      detail={
        <>
          <p data-testid="rollback-consequence">The next image is processed with <strong>{name}</strong>; derived series will carry its version, <code>{target.version}</code>.</p>
          <p className="muted">{modelLabel(active)} goes back to the candidates. Rolling back again goes further back, not forth.</p>
        </>
      }
    />
  );
}
