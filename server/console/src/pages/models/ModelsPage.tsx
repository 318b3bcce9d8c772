// The model registry: which generator processes the next image (active), which one runs beside
// it for review (shadow), the candidates and the retired; uploading a new one (operators) and
// changing what runs (admins). A model's details open beside the list, ?model=<id> in the URL.
import { useState } from 'react';
import { useApi } from '../../api.js';
import { useAuth } from '../../auth.js';
import { Badge, Card, EmptyState, ErrorBanner, Loading, PageHeader } from '../../components/ui.js';
import { formatDateTime, relativeTime } from '../../format.js';
import { setSearch, useLocation } from '../../router.js';
import type { PageProps } from '../index.js';
import { History } from './History.js';
import { headline } from './MetricsView.js';
import { RollbackButton } from './ModelActions.js';
import { ModelDrawer } from './ModelDrawer.js';
import { modelLabel, rollbackTarget, SOURCE_LABEL, STATUS_LABEL, type Model, type ModelList } from './model-types.js';
import { ShadowReview } from './ShadowReview.js';
import { UploadPanel } from './UploadPanel.js';
import './models.css';

const ORDER: Readonly<Record<Model['status'], number>> = { active: 0, shadow: 1, registered: 2, retired: 3 };

export default function ModelsPage(_props: PageProps) {
  const { can } = useAuth();
  const { search } = useLocation();
  // Shadow counts move as images arrive; the list is a handful of rows.
  const list = useApi<ModelList>('/api/models', 5000);
  const items = [...(list.data?.items ?? [])].sort((a, b) => ORDER[a.status] - ORDER[b.status] || b.createdAt.localeCompare(a.createdAt));
  const active = items.find((m) => m.id === list.data?.active);
  const shadow = items.find((m) => m.id === list.data?.shadow);
  const selected = search.get('model');
  const [changes, setChanges] = useState(0);
  const changed = (): void => {
    list.reload();
    setChanges((n) => n + 1);
  };
  const target = rollbackTarget(items);
  return (
    <div className={`models-page ${selected ? 'models-page-with-drawer' : ''}`}>
      <PageHeader
        title="Models"
        subtitle="The ONNX generators this node knows. The active one processes every new image and its name and version are stamped into each derived series; a shadow model runs beside it and its results are kept for review, never sent."
        actions={can('admin') && <RollbackButton active={active} target={target} onChanged={changed} />}
      />
      <ErrorBanner error={list.error} title="Could not load the registry" />
      {list.loading && !list.data ? (
        <Loading label="Loading the registry…" />
      ) : (
        list.data && (
          <>
            <div className="grid grid-2">
              <ActiveCard active={active} />
              <ShadowReview shadow={shadow} active={active} />
            </div>
            {can('operator') && <UploadPanel onSettled={changed} />}
            <Card title={`Registry (${items.length})`}>
              {items.length === 0 ? (
                <EmptyState title="No models registered">The node registers the models shipped in <code>models/</code> when it starts; upload one above.</EmptyState>
              ) : (
                <RegistryTable items={items} selected={selected} />
              )}
            </Card>
            {can('operator') && (
              <Card title="History">
                <History changes={changes} />
              </Card>
            )}
          </>
        )
      )}
      {selected && list.data && (
        <ModelDrawer id={selected} model={items.find((m) => m.id === selected)} active={active} shadow={shadow} rollbackTo={target} changes={changes} onChanged={changed} />
      )}
    </div>
  );
}

function ActiveCard({ active }: { active: Model | undefined }) {
  if (!active) {
    return (
      <Card title="Active model" actions={<Badge value="none" tone="bad" />}>
        <p>No model is active: new images cannot be processed. An admin promotes one from the registry below.</p>
      </Card>
    );
  }
  const primary = (active.jobs.byRole.primary ?? 0) + (active.jobs.byRole.reprocess ?? 0);
  return (
    <Card title="Active model" className="models-active" actions={<Badge value="active" />}>
      <p className="models-active-name" data-testid="active-model">
        <button type="button" className="link-button" onClick={() => setSearch({ model: active.id })}>{modelLabel(active)}</button>
      </p>
      <p className="muted">
        Processes every new image; derived series carry <code>{active.version}</code>. {primary} image{primary === 1 ? '' : 's'} processed with it;{' '}
        {SOURCE_LABEL[active.source]}{active.promotedAt && <>, last promoted <span title={formatDateTime(active.promotedAt)}>{relativeTime(active.promotedAt)}</span></>}.
      </p>
    </Card>
  );
}

function RegistryTable({ items, selected }: { items: Model[]; selected: string | null }) {
  return (
    <div className="table-wrap">
      <table className="table models-table" data-testid="registry-table">
        <thead>
          <tr>
            <th>Status</th>
            <th>Model</th>
            <th className="models-col-optional">Stage</th>
            <th className="models-col-optional">Source</th>
            <th>Evaluation (PSNR · SSIM)</th>
            <th className="num">Jobs</th>
            <th className="models-col-optional">Registered</th>
          </tr>
        </thead>
        <tbody>
          {items.map((m) => {
            const h = headline(m);
            return (
              <tr key={m.id} className={`clickable ${m.id === selected ? 'models-row-selected' : ''}`} data-model={`${m.name}@${m.version}`} data-status={m.status} onClick={() => setSearch({ model: m.id })}>
                <td><Badge value={STATUS_LABEL[m.status]} /></td>
                <td>
                  <button type="button" className="link-button models-name" onClick={(e) => { e.stopPropagation(); setSearch({ model: m.id }); }}>{m.name}</button>
                  <span className="models-version">{m.version}</span>
                </td>
                <td className="models-col-optional">{m.stage ?? '—'}</td>
                <td className="models-col-optional">{SOURCE_LABEL[m.source]}</td>
                <td>{h ? <>{h.figures} <span className="muted small">{h.setting}</span></> : <span className="muted">—</span>}</td>
                <td className="num">{m.jobs.total}</td>
                <td className="models-col-optional" title={formatDateTime(m.createdAt)}>{relativeTime(m.createdAt)} <span className="muted">by {m.createdBy}</span></td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
