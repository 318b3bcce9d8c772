// The audit log's filters. Text fields apply on Enter or when they lose focus (not on every
// keystroke: each change is a query); the outcome and the dates apply at once. Suggestions
// come from the actions and actors recorded lately; quick filters cover the usual questions.
import { useEffect, useState, type FormEvent } from 'react';
import { useApi } from '../../api.js';
import { Button, Field, Select, TextInput } from '../../components/ui.js';
import { setSearch } from '../../router.js';

export const FILTER_KEYS = ['action', 'actor', 'subject', 'outcome', 'from', 'to'] as const;
export type Filters = Record<(typeof FILTER_KEYS)[number], string>;

const QUICK: { label: string; set: Partial<Filters> }[] = [
  { label: 'Logins', set: { action: 'auth.login', outcome: '' } },
  { label: 'Failed logins', set: { action: 'auth.login', outcome: 'failed' } },
  { label: 'Refused', set: { action: '', outcome: 'denied' } },
  { label: 'Patient data', set: { action: 'patient.', outcome: '' } },
  { label: 'Jobs', set: { action: 'job.', outcome: '' } },
  { label: 'Models', set: { action: 'model.', outcome: '' } },
  { label: 'Destinations', set: { action: 'destination.', outcome: '' } },
];

export function AuditFilters({ filters }: { filters: Filters }) {
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(filters), [filters.action, filters.actor, filters.subject, filters.outcome, filters.from, filters.to]);
  const facets = useApi<{ actions: string[]; actors: string[] }>('audit/facets');
  const apply = (next: Partial<Filters>): void => setSearch(Object.fromEntries(Object.entries(next).map(([k, v]) => [k, v || undefined])));
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    apply({ action: draft.action.trim(), actor: draft.actor.trim(), subject: draft.subject.trim() });
  };
  // The hint is the placeholder and the tooltip: one line per field keeps the row aligned.
  const text = (k: 'action' | 'actor' | 'subject', label: string, hint: string, help: string, list?: string) => (
    <Field label={label}>
      {(id) => (
        <TextInput id={id} name={k} value={draft[k]} list={list} autoComplete="off" placeholder={hint} title={help}
          onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} onBlur={() => draft[k].trim() !== filters[k] && apply({ [k]: draft[k].trim() })} />
      )}
    </Field>
  );
  const anything = FILTER_KEYS.some((k) => filters[k]);
  const isQuick = (q: Partial<Filters>): boolean => Object.entries(q).every(([k, v]) => filters[k as keyof Filters] === v);
  return (
    <form className="audit-filters" onSubmit={submit} role="search" aria-label="Filter the audit log">
      <div className="filters">
        {text('action', 'Action', 'any (a prefix: job.)', 'Exact (auth.login), or a prefix ending in . or * (job. = every job action)', 'audit-actions')}
        {text('actor', 'Who', 'anyone', 'A user name, system, or a worker (exact)', 'audit-actors')}
        {text('subject', 'Subject', 'any (a prefix: job:)', 'Exact (job:<id>), or a prefix ending in : or * (job: = every job)')}
        <Field label="Outcome">
          {(id) => (
            <Select id={id} value={filters.outcome} onChange={(e) => apply({ outcome: e.target.value })}>
              <option value="">any</option>
              <option value="ok">ok</option>
              <option value="denied">denied</option>
              <option value="failed">failed</option>
            </Select>
          )}
        </Field>
        <Field label="From">{(id) => <TextInput id={id} type="date" value={filters.from} max={filters.to || undefined} onChange={(e) => apply({ from: e.target.value })} />}</Field>
        <Field label="To">{(id) => <TextInput id={id} type="date" value={filters.to} min={filters.from || undefined} onChange={(e) => apply({ to: e.target.value })} />}</Field>
        <div className="audit-filter-buttons">
          <Button type="submit" variant="primary">Apply</Button>
          <Button disabled={!anything} onClick={() => apply(Object.fromEntries(FILTER_KEYS.map((k) => [k, ''])))}>Clear</Button>
        </div>
      </div>
      <div className="audit-quick" aria-label="Quick filters">
        {QUICK.map((q) => (
          <button key={q.label} type="button" className={`chip ${isQuick(q.set) ? 'chip-on' : ''}`} aria-pressed={isQuick(q.set)} onClick={() => apply(q.set)}>{q.label}</button>
        ))}
      </div>
      <datalist id="audit-actions">{facets.data?.actions.map((a) => <option key={a} value={a} />)}</datalist>
      <datalist id="audit-actors">{facets.data?.actors.map((a) => <option key={a} value={a} />)}</datalist>
    </form>
  );
}
