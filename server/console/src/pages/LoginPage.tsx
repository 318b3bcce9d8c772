// Sign in. A failed login says so without telling which half was wrong; too many failures
// get the node's 429 message with how long to wait.
import { useState, type FormEvent } from 'react';
import { navigateAfterLogin } from '../App.js';
import { useAuth } from '../auth.js';
import { Button, ErrorBanner, Field, TextInput, useAction } from '../components/ui.js';

export function LoginPage() {
  const { login } = useAuth();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction(async () => {
    await login(username.trim(), password);
    navigateAfterLogin();
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void action.run();
  };
  return (
    <div className="auth-screen">
      <form className="auth-card" onSubmit={submit} aria-labelledby="login-title">
        <div className="brand brand-large"><span className="brand-mark" aria-hidden="true">◐</span> SharpXR</div>
        <h1 id="login-title">Sign in</h1>
        <Field label="Username">{(id) => <TextInput id={id} name="username" autoComplete="username" autoFocus required value={username} onChange={(e) => setUsername(e.target.value)} />}</Field>
        <Field label="Password">{(id) => <TextInput id={id} name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}</Field>
        <ErrorBanner error={action.error} title="Could not sign in" />
        <Button type="submit" variant="primary" busy={action.busy} className="btn-block">Sign in</Button>
        <p className="muted small">Forgot your password? An administrator can set a new one on the Users page or with <code>sharpxr user passwd &lt;name&gt;</code> on the server.</p>
      </form>
    </div>
  );
}
