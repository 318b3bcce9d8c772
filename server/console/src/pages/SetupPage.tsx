// The first screen of a new node: there is no account and no default password. Whoever can
// read the node's log (or its data folder) has the one-time setup code and creates the first
// administrator here; or they do it on the server with `sharpxr user add --admin`.
import { useState, type FormEvent } from 'react';
import { navigateAfterLogin } from '../App.js';
import { useAuth } from '../auth.js';
import { Button, ErrorBanner, Field, TextInput, useAction } from '../components/ui.js';

const MIN_PASSWORD = 10;

export function SetupPage() {
  const { setup, refresh } = useAuth();
  const [form, setForm] = useState({ setupCode: '', username: 'admin', displayName: '', password: '', confirm: '' });
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const mismatch = form.confirm !== '' && form.confirm !== form.password;
  const short = form.password !== '' && form.password.length < MIN_PASSWORD;
  const action = useAction(async () => {
    await setup({ setupCode: form.setupCode.trim(), username: form.username.trim(), password: form.password, ...(form.displayName.trim() ? { displayName: form.displayName.trim() } : {}) });
    navigateAfterLogin();
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (!mismatch && !short) void action.run();
  };
  return (
    <div className="auth-screen">
      <form className="auth-card auth-card-wide" onSubmit={submit} aria-labelledby="setup-title">
        <div className="brand brand-large"><span className="brand-mark" aria-hidden="true">◐</span> SharpXR</div>
        <h1 id="setup-title">Create the first administrator</h1>
        <p className="muted">
          This node has no accounts yet, and none comes with a default password. The one-time <strong>setup code</strong> is printed in the node&apos;s
          log when it starts (the warning that begins <code>no account yet</code>, field <code>setupCode</code>) and kept in <code>&lt;dataDir&gt;/setup-code</code> (by default <code>var/setup-code</code>).
        </p>
        <p className="muted small">
          On the server instead: <code>node server/bin/sharpxr.js user add &lt;name&gt; --admin</code>, then reload this page.{' '}
          <button type="button" className="link-button" onClick={() => void refresh()}>Check again</button>
        </p>
        <Field label="Setup code">{(id) => <TextInput id={id} name="setupCode" autoComplete="one-time-code" autoFocus required spellCheck={false} value={form.setupCode} onChange={set('setupCode')} />}</Field>
        <div className="form-row">
          <Field label="Username">{(id) => <TextInput id={id} name="username" autoComplete="username" required value={form.username} onChange={set('username')} />}</Field>
          <Field label="Display name" hint="Optional: shown in the audit log">{(id) => <TextInput id={id} name="displayName" value={form.displayName} onChange={set('displayName')} />}</Field>
        </div>
        <div className="form-row">
          <Field label="Password" hint={`At least ${MIN_PASSWORD} characters`} error={short ? `At least ${MIN_PASSWORD} characters` : undefined}>
            {(id) => <TextInput id={id} name="password" type="password" autoComplete="new-password" required value={form.password} onChange={set('password')} />}
          </Field>
          <Field label="Password again" error={mismatch ? 'The two passwords differ' : undefined}>
            {(id) => <TextInput id={id} name="confirm" type="password" autoComplete="new-password" required value={form.confirm} onChange={set('confirm')} />}
          </Field>
        </div>
        <ErrorBanner error={action.error} title="Could not create the account" />
        <Button type="submit" variant="primary" busy={action.busy} className="btn-block" disabled={mismatch || short}>Create administrator and sign in</Button>
      </form>
    </div>
  );
}
