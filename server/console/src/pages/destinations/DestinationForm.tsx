// Add or edit a destination in a dialog: Enter saves, Escape closes, "Test connection" echoes
// the values in the form before they are saved. The node validates with the config file's own
// parser and its words land next to the field they are about.
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api.js';
import { Button, Dialog, ErrorBanner, Field, TextInput, useAction } from '../../components/ui.js';
import { leftover, splitIssues } from '../settings/issues.js';
import { EchoResult, echoValues, type EchoAnswer } from './echo.js';

export interface Destination {
  readonly name: string;
  readonly aeTitle: string;
  readonly host: string;
  readonly port: number;
  readonly secondaryCapture: boolean;
  readonly enabled: boolean;
  readonly deleted: boolean;
  readonly source: 'config' | 'console' | 'console-override';
  readonly configValues: { name: string; aeTitle: string; host: string; port: number; secondaryCapture: boolean } | null;
  readonly updatedAt: string | null;
  readonly updatedBy: string | null;
}

interface Values {
  name: string;
  aeTitle: string;
  host: string;
  port: string;
  secondaryCapture: boolean;
  enabled: boolean;
}

const EMPTY: Values = { name: '', aeTitle: '', host: '', port: '104', secondaryCapture: false, enabled: true };
const FIELDS = { name: ['name'], aeTitle: ['aeTitle'], host: ['host'], port: ['port'], secondaryCapture: ['secondaryCapture'] } as const;

function valuesOf(d: Destination | null): Values {
  if (!d) return EMPTY;
  return { name: d.name, aeTitle: d.aeTitle, host: d.host, port: String(d.port), secondaryCapture: d.secondaryCapture, enabled: d.enabled };
}

/** `editing` null: a new destination. Closes itself after a save (onSaved reloads the list). */
export function DestinationForm({ open, editing, onClose, onSaved }: { open: boolean; editing: Destination | null; onClose: () => void; onSaved: () => void }) {
  const [v, setV] = useState<Values>(EMPTY);
  const [echo, setEcho] = useState<EchoAnswer>();
  const save = useAction(async () => {
    const body = { aeTitle: v.aeTitle.trim(), host: v.host.trim(), port: v.port.trim(), secondaryCapture: v.secondaryCapture, enabled: v.enabled };
    if (editing) await api(`/api/destinations/${encodeURIComponent(editing.name)}`, { method: 'PUT', json: body });
    else await api('/api/destinations', { json: { name: v.name.trim(), ...body } });
    onSaved();
    onClose();
  });
  const test = useAction(async () => {
    setEcho(undefined);
    setEcho(await echoValues({ name: v.name.trim() || undefined, aeTitle: v.aeTitle.trim(), host: v.host.trim(), port: v.port.trim() }));
  });
  useEffect(() => {
    if (!open) return;
    setV(valuesOf(editing));
    setEcho(undefined);
    save.clearError();
    test.clearError();
    // Reset only when the dialog opens, not on every render of its parent.
  }, [open, editing]);

  const error = save.error ?? test.error;
  const issues = splitIssues(error, FIELDS);
  const set = <K extends keyof Values>(key: K) => (value: Values[K]) => {
    setV((s) => ({ ...s, [key]: value }));
    // An answer for other values would mislead.
    setEcho(undefined);
  };
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void save.run();
  };
  const config = editing?.configValues;
  return (
    <Dialog open={open} title={editing ? `Edit ${editing.name}` : 'Add a destination'} onClose={onClose}>
      <form onSubmit={submit} className="destination-form" aria-label="Destination" noValidate>
        {config && (
          <p className="muted small">
            From the config file ({config.aeTitle}@{config.host}:{config.port}). Saving stores a console override; “Revert” on the list goes back to the file's values.
          </p>
        )}
        <Field label="Name" hint={editing ? 'Deliveries are recorded by name, so it cannot change.' : 'How deliveries and the audit log call it.'} error={issues.fields.name}>
          {(id) => <TextInput id={id} name="name" value={v.name} onChange={(e) => set('name')(e.target.value)} disabled={!!editing} autoFocus={!editing} required />}
        </Field>
        <Field label="AE title" hint="The called AE title the PACS answers to." error={issues.fields.aeTitle}>
          {(id) => <TextInput id={id} name="aeTitle" value={v.aeTitle} onChange={(e) => set('aeTitle')(e.target.value)} autoFocus={!!editing} required />}
        </Field>
        <div className="form-row">
          <Field label="Host" error={issues.fields.host}>
            {(id) => <TextInput id={id} name="host" value={v.host} onChange={(e) => set('host')(e.target.value)} placeholder="pacs.hospital.local" required />}
          </Field>
          <div className="field-port">
            <Field label="Port" error={issues.fields.port}>
              {(id) => <TextInput id={id} name="port" inputMode="numeric" value={v.port} onChange={(e) => set('port')(e.target.value)} required />}
            </Field>
          </div>
        </div>
        <label className="check">
          <input type="checkbox" name="secondaryCapture" checked={v.secondaryCapture} onChange={(e) => set('secondaryCapture')(e.target.checked)} />
          Send as Secondary Capture (for a PACS that refuses derived CR/DX)
        </label>
        {issues.fields.secondaryCapture && <div className="field-message">{issues.fields.secondaryCapture}</div>}
        <label className="check">
          <input type="checkbox" name="enabled" checked={v.enabled} onChange={(e) => set('enabled')(e.target.checked)} />
          Enabled (derived images are sent here)
        </label>
        {echo && <EchoResult answer={echo} />}
        <ErrorBanner error={leftover(error, issues.rest)} title={save.error ? 'Not saved' : 'Could not test'} />
        <div className="dialog-footer">
          <Button onClick={() => void test.run()} busy={test.busy} disabled={save.busy}>Test connection</Button>
          <span className="spacer" />
          <Button variant="ghost" onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={save.busy}>{editing ? 'Save' : 'Add destination'}</Button>
        </div>
      </form>
    </Dialog>
  );
}
