// "Register as model": the node exports the run's last generator to ONNX and hands it to the
// registry, whose checks (contract, metadata, self-check on a radiograph) decide. It arrives as
// a candidate; promoting it is done on the Models page, by an admin.
import { useState, type KeyboardEvent } from 'react';
import { api } from '../../api.js';
import { Button, Dialog, ErrorBanner, Field, TextInput, useAction } from '../../components/ui.js';
import { navigate } from '../../router.js';
import type { RunDetail } from './types.js';

interface Registered { run: RunDetail; model: { id: string; name: string; version: string } }

export function RegisterDialog({ run, onRegistered }: { run: RunDetail; onRegistered: (r: RunDetail) => void }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [version, setVersion] = useState('');
  const [done, setDone] = useState<Registered>();
  const action = useAction(async () => {
    const body = { ...(name.trim() ? { name: name.trim() } : {}), ...(version.trim() ? { version: version.trim() } : {}) };
    const result = await api<Registered>(`/api/training/runs/${run.id}/register`, { json: body });
    setDone(result);
    onRegistered(result.run);
  });
  const close = (): void => { setOpen(false); action.clearError(); };
  const enter = (e: KeyboardEvent<HTMLInputElement>): void => { if (e.key === 'Enter' && !action.busy) void action.run(); };
  return (
    <>
      {run.registrable && <Button variant="primary" onClick={() => setOpen(true)}>Register as model</Button>}
      <Dialog open={open} title="Register as model" onClose={close}
        footer={done ? (
          <>
            <Button variant="ghost" onClick={close}>Close</Button>
            <Button variant="primary" onClick={() => navigate(`/models?model=${encodeURIComponent(done.model.id)}`)}>Open on the Models page</Button>
          </>
        ) : (
          <>
            <Button variant="ghost" onClick={close}>Cancel</Button>
            <Button variant="primary" busy={action.busy} onClick={() => void action.run()}>{action.busy ? 'Exporting and validating…' : 'Export and register'}</Button>
          </>
        )}>
        {done ? (
          <p role="status"><strong>{done.model.name} {done.model.version}</strong> passed the registry's checks and is registered as a candidate. An admin can put it in shadow mode or promote it on the Models page.</p>
        ) : (
          <>
            <p>The last generator of this run is exported to ONNX and checked by the registry (it loads, has the contract's input and output, and behaves like a denoiser on a radiograph). It is not promoted.</p>
            <Field label="Model name" hint={`default sharpxr-${run.name}`}>{(id) => <TextInput id={id} value={name} onChange={(e) => setName(e.target.value)} onKeyDown={enter} placeholder={`sharpxr-${run.name}`} />}</Field>
            <Field label="Version" hint="default 1.0.0; name + version must be new">{(id) => <TextInput id={id} value={version} onChange={(e) => setVersion(e.target.value)} onKeyDown={enter} placeholder="1.0.0" />}</Field>
            <ErrorBanner error={action.error} title="Not registered" />
          </>
        )}
      </Dialog>
    </>
  );
}
