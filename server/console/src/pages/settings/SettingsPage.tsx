// Node settings (admin). Each value says where it comes from (console, environment, config
// file, built-in default) and whether it applies now or waits for a restart; the listener's
// port and AE title, the HTTP port and the storage folder are bound once at start. A value
// can go back to the file's. The node validates with the config file's parser.
import { useEffect, useState, type FormEvent } from 'react';
import { api, useApi } from '../../api.js';
import { Badge, Button, Card, ErrorBanner, Loading, Notice, PageHeader, Select, TextInput, useAction } from '../../components/ui.js';
import { relativeTime } from '../../format.js';
import type { PageProps } from '../index.js';
import { leftover, splitIssues } from './issues.js';
import './settings.css';

type Value = string | number;
interface SettingView {
  readonly id: string;
  readonly key: string;
  readonly label: string;
  readonly help: string;
  readonly live: boolean;
  readonly value: Value;
  readonly source: 'console' | 'environment' | 'config' | 'default';
  readonly consoleValue: Value | null;
  readonly configValue: Value;
  readonly defaultValue: Value;
  readonly runningValue: Value;
  readonly restartRequired: boolean;
  readonly updatedAt: string | null;
  readonly updatedBy: string | null;
}
interface SettingsList {
  readonly items: SettingView[];
  readonly restartRequired: boolean;
}

const SOURCE: Record<SettingView['source'], string> = { console: 'console', environment: 'environment', config: 'config file', default: 'default' };
const CHOICES: Record<string, readonly { value: string; label: string }[]> = {
  guardPolicy: [
    { value: 'send-marked', label: 'send-marked (sent, marked GUARD)' },
    { value: 'hold', label: 'hold (kept for a person to send)' },
  ],
};
const NUMERIC = new Set(['dicomPort', 'httpPort', 'retentionDays']);

/** A number field's text as a number when it is one; otherwise as typed, for the node to word. */
function wire(id: string, text: string): Value {
  const t = text.trim();
  return NUMERIC.has(id) && /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

export default function SettingsPage(_props: PageProps) {
  const list = useApi<SettingsList>('/api/settings');
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState<string>();
  useEffect(() => {
    if (list.data) setDraft(Object.fromEntries(list.data.items.map((i) => [i.id, String(i.value)])));
  }, [list.data]);
  const items = list.data?.items ?? [];
  const changed = items.filter((i) => draft[i.id] !== undefined && wire(i.id, draft[i.id]!) !== i.value);
  const save = useAction(async (patch: Record<string, Value | null>) => {
    setSaved(undefined);
    const after = await api<SettingsList>('/api/settings', { method: 'PUT', json: patch });
    const waiting = after.items.filter((i) => i.id in patch && i.restartRequired).map((i) => i.label);
    setSaved(waiting.length ? `Saved. ${waiting.join(', ')}: waiting for a restart of the node.` : 'Saved: in force now.');
    list.reload();
  });
  const issues = splitIssues(save.error, Object.fromEntries(items.map((i) => [i.id, [i.key, i.id]])) as Record<string, string[]>);
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (changed.length) void save.run(Object.fromEntries(changed.map((i) => [i.id, wire(i.id, draft[i.id]!)])));
  };
  return (
    <>
      <PageHeader title="Settings" subtitle="The node's own settings. The config file's values are the default; a value saved here is stored by the node and wins over the file." />
      <ErrorBanner error={list.error} title="Could not load the settings" />
      {list.data?.restartRequired && (
        <Notice kind="warn">
          <strong>Waiting for a restart</strong>
          <span>Some saved values apply when the node starts again; until then it runs with the values shown as “running”.</span>
        </Notice>
      )}
      {!list.data ? (
        list.loading && <Loading />
      ) : (
        <form onSubmit={submit} noValidate aria-label="Settings">
          <Card>
            <div className="settings">
              {items.map((s) => (
                <SettingRow key={s.id} s={s} text={draft[s.id] ?? ''} error={issues.fields[s.id]} onText={(t) => { setDraft((d) => ({ ...d, [s.id]: t })); setSaved(undefined); }}
                  onRevert={() => void save.run({ [s.id]: null })} busy={save.busy} />
              ))}
            </div>
            <ErrorBanner error={leftover(save.error, issues.rest)} title="Not saved" />
            {saved && changed.length === 0 && <Notice kind="ok">{saved}</Notice>}
            <div className="form-actions">
              <Button type="submit" variant="primary" busy={save.busy} disabled={changed.length === 0}>Save{changed.length > 1 ? ` ${changed.length} changes` : ''}</Button>
              <Button variant="ghost" disabled={changed.length === 0} onClick={() => { setDraft(Object.fromEntries(items.map((i) => [i.id, String(i.value)]))); save.clearError(); }}>Discard changes</Button>
            </div>
          </Card>
        </form>
      )}
    </>
  );
}

function SettingRow({ s, text, error, onText, onRevert, busy }: { s: SettingView; text: string; error?: string | undefined; onText: (t: string) => void; onRevert: () => void; busy: boolean }) {
  const id = `setting-${s.id}`;
  const choices = CHOICES[s.id];
  return (
    <div className={`setting ${error ? 'field-error' : ''}`} data-setting={s.id}>
      <div className="setting-label">
        <label htmlFor={id}>{s.label}</label>
        <code className="small">{s.key}</code>
        <p className="muted small">{s.help}</p>
      </div>
      <div className="setting-input">
        {choices ? (
          <Select id={id} name={s.id} value={text} onChange={(e) => onText(e.target.value)}>
            {choices.map((c) => <option key={c.value} value={c.value}>{c.label}</option>)}
          </Select>
        ) : (
          <TextInput id={id} name={s.id} value={text} inputMode={NUMERIC.has(s.id) ? 'numeric' : undefined} onChange={(e) => onText(e.target.value)} />
        )}
        {error && <div className="field-message">{error}</div>}
      </div>
      <div className="setting-state">
        <div className="badges">
          <Badge value={SOURCE[s.source]} tone={s.source === 'console' ? 'info' : 'muted'} />
          {s.live ? <Badge value="applies now" tone="ok" /> : <Badge value="applies at restart" tone="muted" />}
        </div>
        {s.restartRequired && (
          <div className="waiting" data-testid="waiting">
            <Badge value="waiting for a restart" tone="warn" /> <span className="muted small">running: <code>{String(s.runningValue)}</code></span>
          </div>
        )}
        {s.source === 'console' && (
          <div className="muted small">
            file: <code>{String(s.configValue)}</code>{s.updatedAt && <> · saved {relativeTime(s.updatedAt)}{s.updatedBy && ` by ${s.updatedBy}`}</>}{' '}
            <button type="button" className="link-button" onClick={onRevert} disabled={busy}>Use the file's value</button>
          </div>
        )}
        {s.source === 'environment' && <div className="muted small">set by an environment variable, over the file</div>}
        {s.source === 'default' && <div className="muted small">not in the config file</div>}
      </div>
    </div>
  );
}
