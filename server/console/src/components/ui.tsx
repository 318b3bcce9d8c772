// The console's building blocks. Pages compose these rather than styling their own, so every
// page has the same empty states, errors, buttons and badges (styles.css holds the look).
import { useEffect, useId, useRef, useState, type ButtonHTMLAttributes, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';
import type { ApiError } from '../api.js';

export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · SharpXR`;
  }, [title]);
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <p className="muted">{subtitle}</p>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </header>
  );
}

export function Card({ title, actions, children, className }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={`card ${className ?? ''}`}>
      {(title || actions) && (
        <div className="card-head">
          {title && <h2>{title}</h2>}
          {actions}
        </div>
      )}
      {children}
    </section>
  );
}

type Variant = 'primary' | 'secondary' | 'danger' | 'ghost';
type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant; busy?: boolean };

/** A button that shows it is working (busy) and cannot be pressed twice meanwhile. */
export function Button({ variant = 'secondary', busy, disabled, children, className, type, ...rest }: ButtonProps) {
  return (
    <button type={type ?? 'button'} className={`btn btn-${variant} ${className ?? ''}`} disabled={disabled || busy} aria-busy={busy || undefined} {...rest}>
      {busy && <span className="spinner" aria-hidden="true" />}
      {children}
    </button>
  );
}

/** Runs an async action with busy state and its error kept for display. */
export function useAction<A extends unknown[]>(action: (...args: A) => Promise<unknown>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | Error>();
  const run = async (...args: A): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await action(...args);
      return true;
    } catch (err) {
      setError(err as Error);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, clearError: () => setError(undefined) };
}

export function ErrorBanner({ error, title }: { error: Error | undefined; title?: string }) {
  if (!error) return null;
  const detail = (error as ApiError).detail;
  return (
    <div className="banner banner-error" role="alert">
      <strong>{title ?? 'Something went wrong'}</strong>
      <span>{error.message}</span>
      {Array.isArray(detail) && (
        <ul>
          {detail.map((d, i) => (
            <li key={i}>{typeof d === 'string' ? d : JSON.stringify(d)}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Notice({ kind = 'info', children }: { kind?: 'info' | 'warn' | 'ok'; children: ReactNode }) {
  return <div className={`banner banner-${kind}`} role="status">{children}</div>;
}

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty">
      <h3>{title}</h3>
      {children && <div className="muted">{children}</div>}
      {action && <div className="empty-action">{action}</div>}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </div>
  );
}

const TONES: Record<string, string> = {
  exported: 'ok', done: 'ok', sent: 'ok', active: 'ok', ok: 'ok', completed: 'ok', success: 'ok',
  queued: 'info', processing: 'info', running: 'info', sending: 'info', pending: 'info', shadow: 'info', kept: 'info',
  held: 'warn', retrying: 'warn', interrupted: 'warn', skipped: 'muted', cancelled: 'muted', retired: 'muted', candidate: 'muted',
  failed: 'bad', dead: 'bad', error: 'bad', denied: 'bad', failure: 'bad',
};

/** A state as a coloured pill; unknown states are neutral. */
export function Badge({ value, tone }: { value: string; tone?: 'ok' | 'info' | 'warn' | 'bad' | 'muted' }) {
  return <span className={`badge badge-${tone ?? TONES[value] ?? 'muted'}`}>{value}</span>;
}

type FieldProps = { label: string; hint?: ReactNode; error?: string; children: (id: string) => ReactNode };

/** A labelled form control with its hint and error (the control gets the label's id). */
export function Field({ label, hint, error, children }: FieldProps) {
  const id = useId();
  return (
    <div className={`field ${error ? 'field-error' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children(id)}
      {error ? <div className="field-message">{error}</div> : hint ? <div className="field-hint">{hint}</div> : null}
    </div>
  );
}

export function TextInput(props: InputHTMLAttributes<HTMLInputElement>) {
  return <input className="input" {...props} />;
}

export function Select({ children, ...props }: SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <select className="input" {...props}>
      {children}
    </select>
  );
}

/** A modal dialog (the native <dialog>: focus is trapped and Escape closes it). */
export function Dialog({ open, title, onClose, children, footer }: { open: boolean; title: string; onClose: () => void; children: ReactNode; footer?: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} className="dialog" onClose={onClose} aria-labelledby={`${title}-title`}>
      <h2 id={`${title}-title`}>{title}</h2>
      <div className="dialog-body">{children}</div>
      {footer && <div className="dialog-footer">{footer}</div>}
    </dialog>
  );
}

/** Asks before a destructive or patient-facing action; resolves after onConfirm finishes. */
export function ConfirmButton({ label, confirm, detail, onConfirm, variant = 'danger', disabled }: { label: string; confirm: string; detail?: ReactNode; onConfirm: () => Promise<unknown>; variant?: Variant; disabled?: boolean }) {
  const [open, setOpen] = useState(false);
  const action = useAction(onConfirm);
  return (
    <>
      <Button variant={variant === 'danger' ? 'secondary' : variant} disabled={disabled} onClick={() => setOpen(true)}>
        {label}
      </Button>
      <Dialog
        open={open}
        title={confirm}
        onClose={() => setOpen(false)}
        footer={
          <>
            <Button variant="ghost" onClick={() => setOpen(false)}>Cancel</Button>
            <Button variant={variant} busy={action.busy} onClick={async () => (await action.run()) && setOpen(false)}>{label}</Button>
          </>
        }
      >
        {detail}
        <ErrorBanner error={action.error} />
      </Dialog>
    </>
  );
}
