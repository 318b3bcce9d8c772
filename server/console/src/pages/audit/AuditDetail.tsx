// An audit event's detail as a person reads it: configuration changes as "field: old → new",
// other facts as "key value" pairs, nested values compact with the full JSON a click away.
// The detail is whatever the action recorded (free-form facts, never patient names).
import type { ReactNode } from 'react';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function AuditDetail({ detail }: { detail: unknown }) {
  if (detail === null || detail === undefined) return <span className="muted">—</span>;
  if (typeof detail !== 'object' || Array.isArray(detail)) return <span className="audit-value">{inline(detail as Json)}</span>;
  const d = detail as Record<string, Json>;
  if ('before' in d && 'after' in d) return <Change before={d.before ?? null} after={d.after ?? null} rest={omit(d, ['before', 'after'])} />;
  return <Pairs entries={Object.entries(d)} />;
}

function Pairs({ entries }: { entries: [string, Json][] }) {
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <dl className="audit-pairs">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{value(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A before/after pair: only what changed, or what was created or removed. */
function Change({ before, after, rest }: { before: Json; after: Json; rest: [string, Json][] }) {
  let body: ReactNode;
  if (before === null && after !== null) body = <><span className="audit-tag audit-added">created</span>{whole(after)}</>;
  else if (after === null && before !== null) body = <><span className="audit-tag audit-removed">removed</span>{whole(before)}</>;
  else if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
    body = keys.length === 0 ? <span className="muted">no change</span> : (
      <ul className="audit-changes">
        {keys.map((k) => (
          <li key={k}>
            <span className="audit-key">{k}</span> <span className="audit-old">{k in before ? inline(before[k]!) : 'unset'}</span> → <span className="audit-new">{k in after ? inline(after[k]!) : 'unset'}</span>
          </li>
        ))}
      </ul>
    );
  } else body = <><span className="audit-old">{inline(before)}</span> → <span className="audit-new">{inline(after)}</span></>;
  return (
    <div>
      {body}
      {rest.length > 0 && <Pairs entries={rest} />}
    </div>
  );
}

/** A created or removed thing: its fields one per line. */
function whole(v: Json): ReactNode {
  return isObject(v) ? <Pairs entries={Object.entries(v)} /> : value(v);
}

function value(v: Json): ReactNode {
  if (isObject(v) || (Array.isArray(v) && v.some((x) => typeof x === 'object' && x !== null))) {
    const text = inline(v);
    if (text.length <= 90) return <span className="audit-value">{text}</span>;
    return (
      <details className="audit-json">
        <summary>{text.slice(0, 80)}…</summary>
        <pre>{JSON.stringify(v, null, 2)}</pre>
      </details>
    );
  }
  return <span className="audit-value">{inline(v)}</span>;
}

/** One line: strings as they are, objects as "k: v, …", arrays joined. */
export function inline(v: Json): string {
  if (v === null) return 'none';
  if (typeof v === 'string') return v === '' ? '""' : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.length === 0 ? '[]' : v.map(inline).join(', ');
  const e = Object.entries(v);
  return e.length === 0 ? '{}' : `{ ${e.map(([k, x]) => `${k}: ${inline(x)}`).join(', ')} }`;
}

function isObject(v: Json | undefined): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function omit(d: Record<string, Json>, keys: string[]): [string, Json][] {
  return Object.entries(d).filter(([k]) => !keys.includes(k));
}
