// API tokens for automation: your own (an admin may list everyone's). A token acts with a
// role no higher than its owner's; its secret is shown once, right after it is made, with a
// copy button, and never again (the node keeps only its hash).
import { useState, type FormEvent } from 'react';
import { api, useApi } from '../../api.js';
import { useAuth, type Role } from '../../auth.js';
import { Badge, Button, Card, ConfirmButton, EmptyState, ErrorBanner, Field, Loading, Notice, PageHeader, Select, TextInput, useAction } from '../../components/ui.js';
import { formatDateTime, relativeTime } from '../../format.js';
import type { PageProps } from '../index.js';
import { leftover, splitIssues } from '../settings/issues.js';
import './account.css';

interface Token {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly role: Role;
  readonly owner: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
}

const ORDER: readonly Role[] = ['viewer', 'operator', 'admin'];

export default function TokensPage(_props: PageProps) {
  const { can } = useAuth();
  const [all, setAll] = useState(false);
  const tokens = useApi<{ items: Token[] }>(`/api/tokens${all ? '?all=true' : ''}`);
  const [made, setMade] = useState<{ token: string; info: Token }>();
  const items = tokens.data?.items ?? [];
  return (
    <>
      <PageHeader title="API tokens" subtitle={<>For scripts and automation: send <code>Authorization: Bearer sxr_…</code>. A token has at most its owner's role, and stops working when revoked, expired, or its owner is disabled.</>}
        actions={can('admin') && (
          <label className="check"><input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> Everyone's tokens</label>
        )} />
      <CreateToken onMade={(m) => { setMade(m); tokens.reload(); }} />
      {made && <NewSecret made={made} onDone={() => setMade(undefined)} />}
      <ErrorBanner error={tokens.error} title="Could not load the tokens" />
      {tokens.loading && !tokens.data ? (
        <Loading />
      ) : tokens.data && items.length === 0 ? (
        <EmptyState title="No tokens yet">Create one above for a script that calls the node's API (<code>/api/openapi.json</code> describes it).</EmptyState>
      ) : (
        items.length > 0 && (
          <Card title={all ? 'All tokens' : 'Your tokens'}>
            <div className="table-wrap">
              <table className="table tokens">
                <thead>
                  <tr><th>Name</th><th>Token</th><th>Role</th>{all && <th>Owner</th>}<th>Created</th><th>Last used</th><th>Expires</th><th>State</th><th aria-label="Actions" /></tr>
                </thead>
                <tbody>
                  {items.map((t) => <TokenRow key={t.id} t={t} showOwner={all} reload={tokens.reload} />)}
                </tbody>
              </table>
            </div>
          </Card>
        )
      )}
    </>
  );
}

function stateOf(t: Token): { value: string; tone: 'ok' | 'muted' | 'bad' } {
  if (t.revokedAt) return { value: 'revoked', tone: 'muted' };
  if (t.expiresAt && new Date(t.expiresAt).getTime() <= Date.now()) return { value: 'expired', tone: 'muted' };
  return { value: 'active', tone: 'ok' };
}

function TokenRow({ t, showOwner, reload }: { t: Token; showOwner: boolean; reload: () => void }) {
  const state = stateOf(t);
  return (
    <tr data-token={t.name} className={state.value !== 'active' ? 'row-disabled' : ''}>
      <td><strong>{t.name}</strong></td>
      <td className="mono">{t.prefix}…</td>
      <td>{t.role}</td>
      {showOwner && <td>{t.owner}</td>}
      <td title={formatDateTime(t.createdAt)}>{relativeTime(t.createdAt)}</td>
      <td title={formatDateTime(t.lastUsedAt)}>{t.lastUsedAt ? relativeTime(t.lastUsedAt) : <span className="muted">never</span>}</td>
      <td title={formatDateTime(t.expiresAt)}>{t.expiresAt ? formatDateTime(t.expiresAt) : <span className="muted">never</span>}</td>
      <td><Badge value={state.value} tone={state.tone} /></td>
      <td>
        <div className="row-actions">
          {!t.revokedAt && (
            <ConfirmButton label="Revoke" confirm={`Revoke ${t.name}?`} detail={<p>Scripts using <code>{t.prefix}…</code> get 401 from now on. This cannot be undone.</p>}
              onConfirm={async () => {
                await api(`/api/tokens/${t.id}`, { method: 'DELETE' });
                reload();
              }} />
          )}
        </div>
      </td>
    </tr>
  );
}

function CreateToken({ onMade }: { onMade: (made: { token: string; info: Token }) => void }) {
  const { user } = useAuth();
  const own = user?.role ?? 'viewer';
  const roles = ORDER.slice(0, ORDER.indexOf(own) + 1);
  const [v, setV] = useState({ name: '', role: own as Role, days: '' });
  const create = useAction(async () => {
    const days = v.days.trim();
    const made = await api<{ token: string; info: Token }>('/api/tokens', {
      json: { name: v.name.trim(), role: v.role, ...(days ? { expiresInDays: /^\d+$/.test(days) ? Number(days) : days } : {}) },
    });
    setV({ name: '', role: own, days: '' });
    onMade(made);
  });
  const issues = splitIssues(create.error, { name: ['name'], role: ['role'], days: ['expiresInDays'] });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void create.run();
  };
  return (
    <Card title="New token">
      <form className="token-form" onSubmit={submit} noValidate aria-label="New token">
        <Field label="Name" hint="What uses it, e.g. “nightly export”." error={issues.fields.name}>
          {(id) => <TextInput id={id} name="name" value={v.name} onChange={(e) => setV({ ...v, name: e.target.value })} />}
        </Field>
        <Field label="Role" hint={`At most yours (${own}).`} error={issues.fields.role}>
          {(id) => (
            <Select id={id} name="role" value={v.role} onChange={(e) => setV({ ...v, role: e.target.value as Role })}>
              {roles.map((r) => <option key={r} value={r}>{r}</option>)}
            </Select>
          )}
        </Field>
        <Field label="Expires after (days)" hint="Blank: never." error={issues.fields.days}>
          {(id) => <TextInput id={id} name="expiresInDays" inputMode="numeric" value={v.days} onChange={(e) => setV({ ...v, days: e.target.value })} />}
        </Field>
        <Button type="submit" variant="primary" busy={create.busy}>Create token</Button>
      </form>
      <ErrorBanner error={leftover(create.error, issues.rest)} title="Not created" />
    </Card>
  );
}

function NewSecret({ made, onDone }: { made: { token: string; info: Token }; onDone: () => void }) {
  const [copied, setCopied] = useState<string>();
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(made.token);
      setCopied('Copied.');
    } catch {
      // No clipboard (a page not served over HTTPS or localhost): select it for Ctrl+C.
      const el = document.getElementById('new-token-secret');
      if (el) window.getSelection()?.selectAllChildren(el);
      setCopied('Selected: press Ctrl+C to copy.');
    }
  };
  return (
    <Notice kind="ok">
      <strong>Token “{made.info.name}” created ({made.info.role})</strong>
      <span>Copy it now: it is shown only this once.</span>
      <div className="secret">
        <code id="new-token-secret" data-testid="token-secret">{made.token}</code>
        <Button className="btn-small" onClick={() => void copy()}>Copy</Button>
        <Button className="btn-small" variant="ghost" onClick={onDone}>Done</Button>
        {copied && <span className="muted small" role="status">{copied}</span>}
      </div>
    </Notice>
  );
}
