// What an operator can do with a job, offered only when the node would accept it (it checks
// again and answers 409 otherwise, shown as it words it): retry a failed or dead job, send an
// exported result to every destination again, send an image the guard held (asked first: a
// patient-facing decision, audited with the guard's figures), reprocess with another model.
import { useState } from 'react';
import { api, useApi } from '../../api.js';
import { useAuth } from '../../auth.js';
import { Button, ConfirmButton, Dialog, ErrorBanner, Field, Loading, Select, useAction } from '../../components/ui.js';
import { formatNumber } from '../../format.js';
import { navigate } from '../../router.js';
import type { JobDetail, Job, RegistryModel } from './types.js';

export function canRetry(j: Job): boolean {
  return j.state === 'failed' || j.state === 'dead';
}
export function canSendAgain(j: Job): boolean {
  return j.role !== 'shadow' && j.state === 'exported' && (!j.held || j.guardOverride);
}
export function canSendHeld(j: Job): boolean {
  return j.role !== 'shadow' && j.state === 'exported' && j.held && !j.guardOverride;
}

export function JobActions({ detail, onDone }: { detail: JobDetail; onDone: (message: string) => void }) {
  const { can } = useAuth();
  const { job } = detail;
  const retry = useAction(async () => {
    await api(`/api/jobs/${job.id}/retry`, { method: 'POST' });
    onDone('Queued again with its attempts reset.');
  });
  if (!can('operator')) return null;
  return (
    <div className="job-actions">
      {canRetry(job) && <Button variant="primary" busy={retry.busy} onClick={() => void retry.run()} data-testid="job-retry">Retry now</Button>}
      {canSendAgain(job) && (
        <ConfirmButton label="Send again" variant="primary" confirm="Send this result again?"
          detail={<p>The derived image goes to every destination again ({detail.deliveries.map((d) => d.destination).join(', ') || 'the configured destinations'}), with the same UIDs, so a PACS that has it replaces it. Recorded in the audit log.</p>}
          onConfirm={async () => {
            const r = await api<{ reset: unknown[]; reusesDerivedFile: boolean }>(`/api/jobs/${job.id}/send`, { method: 'POST' });
            onDone(`Sending again to ${r.reset.length} destination${r.reset.length === 1 ? '' : 's'}${r.reusesDerivedFile ? '' : ' (the derived file is made anew)'}.`);
          }} />
      )}
      {canSendHeld(job) && (
        <ConfirmButton label="Send held image" variant="danger" confirm="Send an image the guard held?"
          detail={<>
            <p>The guard held this result: its largest change was {formatNumber(job.guardMaxChange, 3)} and {formatNumber((job.guardClippedFraction ?? 0) * 100, 2)} % of its pixels were clipped. Sent anyway, it keeps GUARD in its series description so readers know.</p>
            <p>Your name goes into the audit log with these figures.</p>
          </>}
          onConfirm={async () => {
            await api(`/api/jobs/${job.id}/send-held`, { method: 'POST' });
            onDone('Sent despite the guard; recorded in the audit log.');
          }} />
      )}
      <Reprocess job={job} disabled={!detail.files.source} />
      <ErrorBanner error={retry.error} title="Retry failed" />
    </div>
  );
}

function Reprocess({ job, disabled }: { job: Job; disabled: boolean }) {
  const [open, setOpen] = useState(false);
  const models = useApi<{ items: RegistryModel[] }>(open ? '/api/models' : null);
  const choices = (models.data?.items ?? []).filter((m) => m.status !== 'retired' && !(m.name === job.modelId && m.version === job.modelVersion));
  const [modelId, setModelId] = useState('');
  const chosen = modelId || choices[0]?.id || '';
  const action = useAction(async () => {
    const r = await api<{ job: Job }>(`/api/jobs/${job.id}/reprocess`, { json: { modelId: chosen } });
    setOpen(false);
    navigate(`/jobs/${r.job.id}`);
  });
  return (
    <>
      <Button onClick={() => setOpen(true)} disabled={disabled} title={disabled ? 'Retention deleted the received file' : undefined} data-testid="job-reprocess">Reprocess…</Button>
      <Dialog open={open} title="Reprocess with another model" onClose={() => setOpen(false)} footer={<>
        <Button variant="ghost" onClick={() => setOpen(false)}>Cancel</Button>
        <Button variant="primary" busy={action.busy} disabled={!chosen} onClick={() => void action.run()}>Reprocess</Button>
      </>}>
        <p className="muted">A new job runs the received image through the model chosen and sends its result like the first one's (a separate derived series). Recorded in the audit log.</p>
        {models.error ? <ErrorBanner error={models.error} title="Could not list the models" /> : !models.data ? <Loading label="Listing the models…" /> : choices.length === 0 ? <p>No other model is registered.</p> : (
          <Field label="Model">{(id) => (
            <Select id={id} value={chosen} onChange={(e) => setModelId(e.target.value)}>
              {choices.map((m) => <option key={m.id} value={m.id}>{m.name} {m.version} ({m.status})</option>)}
            </Select>
          )}</Field>
        )}
        <ErrorBanner error={action.error} title="Reprocess failed" />
      </Dialog>
    </>
  );
}
