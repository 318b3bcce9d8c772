// Where derived images go. The config file's destinations are the default; what the console
// adds or changes is stored in the database, tagged as such, applies to the next job without a
// restart, and a changed or deleted config destination can go back to the file's values.
import { useEffect, useState } from 'react';
import { api, useApi } from '../../api.js';
import { useAuth } from '../../auth.js';
import { Badge, Button, Card, ConfirmButton, EmptyState, ErrorBanner, Loading, PageHeader, useAction } from '../../components/ui.js';
import { relativeTime } from '../../format.js';
import type { PageProps } from '../index.js';
import { DestinationForm, type Destination } from './DestinationForm.js';
import { EchoResult, echoSaved, type EchoAnswer } from './echo.js';
import './destinations.css';

interface DestinationList {
  readonly items: Destination[];
  readonly callingAeTitle: string;
}

export default function DestinationsPage(_props: PageProps) {
  const { can } = useAuth();
  const list = useApi<DestinationList>('/api/destinations');
  const [form, setForm] = useState<{ open: boolean; editing: Destination | null }>({ open: false, editing: null });
  const operator = can('operator');
  const shown = list.data?.items.filter((d) => !d.deleted) ?? [];
  const deleted = list.data?.items.filter((d) => d.deleted) ?? [];
  return (
    <>
      <PageHeader
        title="Destinations"
        subtitle={<>Where derived images are sent. The config file's list is the default; changes made here are stored by the node and apply to the next job, no restart.{list.data && <> The node calls as <code>{list.data.callingAeTitle}</code>.</>}</>}
        actions={operator && <Button variant="primary" onClick={() => setForm({ open: true, editing: null })}>Add destination</Button>}
      />
      {!operator && <p className="muted readonly-note">Read-only: adding, changing and testing destinations needs the operator role.</p>}
      <ErrorBanner error={list.error} title="Could not load the destinations" />
      {list.loading && !list.data ? (
        <Loading />
      ) : list.data && shown.length === 0 ? (
        <EmptyState
          title="No destinations"
          action={operator && <Button variant="primary" onClick={() => setForm({ open: true, editing: null })}>Add the first destination</Button>}
        >
          Derived images are made and kept, but not sent anywhere. Add the PACS that should receive them, or list it under <code>destinations:</code> in the config file.
        </EmptyState>
      ) : (
        shown.length > 0 && (
          <Card>
            <DestinationTable items={shown} operator={operator} onEdit={(d) => setForm({ open: true, editing: d })} reload={list.reload} />
          </Card>
        )
      )}
      {deleted.length > 0 && <DeletedFromConfig items={deleted} operator={operator} reload={list.reload} />}
      {operator && <DestinationForm open={form.open} editing={form.editing} onClose={() => setForm((f) => ({ ...f, open: false }))} onSaved={list.reload} />}
    </>
  );
}

function DestinationTable({ items, operator, onEdit, reload }: { items: Destination[]; operator: boolean; onEdit: (d: Destination) => void; reload: () => void }) {
  return (
    <div className="table-wrap">
      <table className="table destinations">
        <thead>
          <tr>
            <th>Name</th>
            <th>AE title</th>
            <th>Address</th>
            <th>Source</th>
            <th>State</th>
            {operator && <th aria-label="Actions" />}
          </tr>
        </thead>
        <tbody>
          {items.map((d) => (
            <DestinationRow key={d.name} d={d} operator={operator} onEdit={() => onEdit(d)} reload={reload} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DestinationRow({ d, operator, onEdit, reload }: { d: Destination; operator: boolean; onEdit: () => void; reload: () => void }) {
  const [echo, setEcho] = useState<EchoAnswer>();
  const test = useAction(async () => {
    setEcho(undefined);
    setEcho(await echoSaved(d.name));
  });
  const revert = useAction(async () => {
    await api(`/api/destinations/${encodeURIComponent(d.name)}/revert`, { method: 'POST' });
    reload();
  });
  // An answer about values the destination no longer has would mislead.
  const values = `${d.aeTitle}@${d.host}:${d.port}`;
  useEffect(() => setEcho(undefined), [values]);
  const cols = operator ? 6 : 5;
  return (
    <>
      <tr data-destination={d.name}>
        <td><strong>{d.name}</strong></td>
        <td className="mono">{d.aeTitle}</td>
        <td className="mono">{d.host}:{d.port}</td>
        <td><SourceTag d={d} /></td>
        <td>
          <Badge value={d.enabled ? 'enabled' : 'disabled'} tone={d.enabled ? 'ok' : 'muted'} />
          {d.secondaryCapture && <> <Badge value="secondary capture" tone="info" /></>}
        </td>
        {operator && (
          <td>
            <div className="row-actions">
              <Button className="btn-small" busy={test.busy} onClick={() => void test.run()}>Test connection</Button>
              <Button className="btn-small" onClick={onEdit}>Edit</Button>
              {d.source === 'console-override' && <Button className="btn-small" busy={revert.busy} onClick={() => void revert.run()} title="Drop the console's changes and use the config file's values">Revert</Button>}
              <DeleteButton d={d} reload={reload} />
            </div>
          </td>
        )}
      </tr>
      {(echo || test.error || revert.error) && (
        <tr className="row-detail">
          <td colSpan={cols}>
            {echo && <EchoResult answer={echo} />}
            <ErrorBanner error={test.error ?? revert.error} title={test.error ? 'Could not test' : 'Could not revert'} />
          </td>
        </tr>
      )}
    </>
  );
}

function DeleteButton({ d, reload }: { d: Destination; reload: () => void }) {
  const fromConfig = d.source !== 'console';
  return (
    <ConfirmButton
      label="Delete"
      confirm={`Delete ${d.name}?`}
      detail={<p>Nothing more is sent to {d.aeTitle}@{d.host}:{d.port}. {fromConfig ? 'It stays in the config file and can be restored here.' : 'It was added in the console; this removes it.'}</p>}
      onConfirm={async () => {
        await api(`/api/destinations/${encodeURIComponent(d.name)}`, { method: 'DELETE' });
        reload();
      }}
    />
  );
}

function SourceTag({ d }: { d: Destination }) {
  if (d.source === 'config') return <Badge value="config file" tone="muted" />;
  const when = d.updatedAt ? ` ${relativeTime(d.updatedAt)}${d.updatedBy ? ` by ${d.updatedBy}` : ''}` : '';
  if (d.source === 'console') return <span title={`added in the console${when}`}><Badge value="console" tone="info" /></span>;
  const c = d.configValues;
  return (
    <span className="source-override">
      <Badge value="console override" tone="warn" />
      {c && <span className="muted small">file: {c.aeTitle}@{c.host}:{c.port}{when && ` · changed${when}`}</span>}
    </span>
  );
}

function DeletedFromConfig({ items, operator, reload }: { items: Destination[]; operator: boolean; reload: () => void }) {
  return (
    <Card title="Deleted in the console">
      <p className="muted small">These are in the config file but the console deleted them: nothing is sent to them.</p>
      <ul className="deleted-list">
        {items.map((d) => (
          <RestoreItem key={d.name} d={d} operator={operator} reload={reload} />
        ))}
      </ul>
    </Card>
  );
}

function RestoreItem({ d, operator, reload }: { d: Destination; operator: boolean; reload: () => void }) {
  const restore = useAction(async () => {
    await api(`/api/destinations/${encodeURIComponent(d.name)}/revert`, { method: 'POST' });
    reload();
  });
  return (
    <li data-destination={d.name}>
      <strong>{d.name}</strong> <span className="mono muted">{d.aeTitle}@{d.host}:{d.port}</span>
      {operator && <Button className="btn-small" busy={restore.busy} onClick={() => void restore.run()}>Restore</Button>}
      <ErrorBanner error={restore.error} title="Could not restore" />
    </li>
  );
}
