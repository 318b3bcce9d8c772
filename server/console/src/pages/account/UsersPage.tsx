// Accounts (admin): add one with a role, change its role, disable or enable it, set a new
// password, delete it. The node keeps the last enabled admin (it refuses to demote, disable or
// delete them, and says so); its answer is shown on the row it is about.
import { useState, type FormEvent } from 'react';
import { api, useApi } from '../../api.js';
import { useAuth, type Role } from '../../auth.js';
import { Badge, Button, Card, ConfirmButton, Dialog, EmptyState, ErrorBanner, Field, Loading, PageHeader, Select, TextInput, useAction } from '../../components/ui.js';
import { formatDateTime, relativeTime } from '../../format.js';
import type { PageProps } from '../index.js';
import { leftover, splitIssues } from '../settings/issues.js';
import './account.css';

interface User {
  readonly id: string;
  readonly username: string;
  readonly displayName: string | null;
  readonly role: Role;
  readonly disabled: boolean;
  readonly createdAt: string;
  readonly lastLoginAt: string | null;
}

export const ROLES: readonly { value: Role; label: string }[] = [
  { value: 'viewer', label: 'viewer: reads, gives feedback' },
  { value: 'operator', label: 'operator: also retries, sends, manages destinations, rules, training' },
  { value: 'admin', label: 'admin: also models, deletes, users, settings' },
];

export default function UsersPage(_props: PageProps) {
  const users = useApi<{ items: User[] }>('/api/users');
  const [adding, setAdding] = useState(false);
  const items = users.data?.items ?? [];
  return (
    <>
      <PageHeader title="Users" subtitle="Local accounts of this node. Roles are checked by the node on every request; a disabled account cannot sign in and its tokens stop working."
        actions={<Button variant="primary" onClick={() => setAdding(true)}>Add user</Button>} />
      <ErrorBanner error={users.error} title="Could not load the accounts" />
      {users.loading && !users.data ? (
        <Loading />
      ) : users.data && items.length === 0 ? (
        <EmptyState title="No accounts">Strange: you are signed in. Reload the page.</EmptyState>
      ) : (
        items.length > 0 && (
          <Card>
            <div className="table-wrap">
              <table className="table users">
                <thead>
                  <tr><th>User</th><th>Role</th><th>State</th><th>Last sign-in</th><th>Created</th><th aria-label="Actions" /></tr>
                </thead>
                <tbody>
                  {items.map((u) => <UserRow key={u.id} u={u} reload={users.reload} />)}
                </tbody>
              </table>
            </div>
          </Card>
        )
      )}
      <AddUser open={adding} onClose={() => setAdding(false)} onAdded={users.reload} />
    </>
  );
}

function UserRow({ u, reload }: { u: User; reload: () => void }) {
  const { user: me } = useAuth();
  const [password, setPassword] = useState(false);
  const change = useAction(async (patch: Partial<{ role: Role; disabled: boolean }>) => {
    await api(`/api/users/${u.id}`, { method: 'PATCH', json: patch });
    reload();
  });
  const remove = async (): Promise<void> => {
    await api(`/api/users/${u.id}`, { method: 'DELETE' });
    reload();
  };
  return (
    <>
      <tr data-user={u.username} className={u.disabled ? 'row-disabled' : ''}>
        <td>
          <strong>{u.username}</strong>{me?.id === u.id && <span className="muted"> (you)</span>}
          {u.displayName && <div className="muted small">{u.displayName}</div>}
        </td>
        <td>
          <Select aria-label={`Role of ${u.username}`} value={u.role} disabled={change.busy} onChange={(e) => void change.run({ role: e.target.value as Role })} className="input role-select">
            {ROLES.map((r) => <option key={r.value} value={r.value}>{r.value}</option>)}
          </Select>
        </td>
        <td>{u.disabled ? <Badge value="disabled" tone="bad" /> : <Badge value="active" tone="ok" />}</td>
        <td title={formatDateTime(u.lastLoginAt)}>{u.lastLoginAt ? relativeTime(u.lastLoginAt) : <span className="muted">never</span>}</td>
        <td title={formatDateTime(u.createdAt)}>{relativeTime(u.createdAt)}</td>
        <td>
          <div className="row-actions">
            <Button className="btn-small" busy={change.busy} onClick={() => void change.run({ disabled: !u.disabled })}>{u.disabled ? 'Enable' : 'Disable'}</Button>
            <Button className="btn-small" onClick={() => setPassword(true)}>Reset password</Button>
            <ConfirmButton label="Delete" confirm={`Delete ${u.username}?`} onConfirm={remove}
              detail={<p>The account, its sessions and its API tokens end. What it did stays in the audit log.</p>} />
            <ResetPassword u={u} open={password} onClose={() => setPassword(false)} />
          </div>
        </td>
      </tr>
      {change.error && (
        <tr className="row-detail"><td colSpan={6}><ErrorBanner error={change.error} title={`Not changed: ${u.username}`} /></td></tr>
      )}
    </>
  );
}

function AddUser({ open, onClose, onAdded }: { open: boolean; onClose: () => void; onAdded: () => void }) {
  const [v, setV] = useState({ username: '', displayName: '', password: '', role: 'viewer' as Role });
  const add = useAction(async () => {
    await api('/api/users', { json: { username: v.username.trim(), password: v.password, role: v.role, ...(v.displayName.trim() ? { displayName: v.displayName.trim() } : {}) } });
    setV({ username: '', displayName: '', password: '', role: 'viewer' });
    onAdded();
    onClose();
  });
  const issues = splitIssues(add.error, { username: ['user name', 'username'], password: ['password'], displayName: ['displayName'], role: ['role'] });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void add.run();
  };
  return (
    <Dialog open={open} title="Add a user" onClose={onClose}>
      <form onSubmit={submit} noValidate aria-label="New user" className="account-form">
        <Field label="User name" hint="Lower-case letters, digits, “.”, “_” or “-”." error={issues.fields.username}>
          {(id) => <TextInput id={id} name="username" autoComplete="off" value={v.username} onChange={(e) => setV({ ...v, username: e.target.value })} autoFocus />}
        </Field>
        <Field label="Display name (optional)" error={issues.fields.displayName}>
          {(id) => <TextInput id={id} name="displayName" value={v.displayName} onChange={(e) => setV({ ...v, displayName: e.target.value })} />}
        </Field>
        <Field label="Password" hint="At least 10 characters; tell it to the person, who can change it later." error={issues.fields.password}>
          {(id) => <TextInput id={id} name="password" type="password" autoComplete="new-password" value={v.password} onChange={(e) => setV({ ...v, password: e.target.value })} />}
        </Field>
        <Field label="Role" error={issues.fields.role}>
          {(id) => (
            <Select id={id} name="role" value={v.role} onChange={(e) => setV({ ...v, role: e.target.value as Role })}>
              {ROLES.map((r) => <option key={r.value} value={r.value}>{r.label}</option>)}
            </Select>
          )}
        </Field>
        <ErrorBanner error={leftover(add.error, issues.rest)} title="Not added" />
        <div className="dialog-footer">
          <Button variant="ghost" onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={add.busy}>Add user</Button>
        </div>
      </form>
    </Dialog>
  );
}

function ResetPassword({ u, open, onClose }: { u: User; open: boolean; onClose: () => void }) {
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const reset = useAction(async () => {
    await api(`/api/users/${u.id}`, { method: 'PATCH', json: { password } });
    setPassword('');
    setDone(true);
  });
  const close = (): void => {
    setDone(false);
    setPassword('');
    reset.clearError();
    onClose();
  };
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void reset.run();
  };
  return (
    <Dialog open={open} title={`New password for ${u.username}`} onClose={close}>
      <form onSubmit={submit} noValidate aria-label="New password" className="account-form">
        {done ? (
          <p role="status">The password of {u.username} is changed. Tell them the new one.</p>
        ) : (
          <Field label="New password" hint="At least 10 characters." error={reset.error?.message}>
            {(id) => <TextInput id={id} name="password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} autoFocus />}
          </Field>
        )}
        <div className="dialog-footer">
          <Button variant="ghost" onClick={close}>{done ? 'Close' : 'Cancel'}</Button>
          {!done && <Button type="submit" variant="primary" busy={reset.busy}>Set password</Button>}
        </div>
      </form>
    </Dialog>
  );
}
