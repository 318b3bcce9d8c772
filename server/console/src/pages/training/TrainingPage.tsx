// Training: start a run on a dataset folder of this server (operators), and the runs with their
// state, place in the queue, progress and ETA. The list refreshes while anything trains.
import { useApi } from '../../api.js';
import { useAuth } from '../../auth.js';
import { Card, EmptyState, ErrorBanner, Loading, Notice, PageHeader } from '../../components/ui.js';
import type { PageProps } from '../index.js';
import { RunsTable } from './RunsTable.js';
import { StartForm } from './StartForm.js';
import type { Preset, RunSummary } from './types.js';
import './training.css';

export default function TrainingPage(_props: PageProps) {
  const { can } = useAuth();
  const runs = useApi<{ items: RunSummary[] }>('/api/training/runs', 3000);
  const presets = useApi<{ items: Preset[] }>('/api/training/presets');
  const items = runs.data?.items ?? [];
  const busy = items.filter((r) => r.state === 'running' || r.state === 'queued').length;
  return (
    <div className="training-page">
      <PageHeader
        title="Training"
        subtitle="Retrain the denoising generator (stage 1, then the GAN) on radiographs stored on this server, watch it learn, and register the result as a candidate model. One run at a time, at the lowest CPU priority, so images keep flowing."
      />
      <ErrorBanner error={runs.error ?? presets.error} title="Could not load the training runs" />
      {can('operator') ? (
        presets.data ? <StartForm presets={presets.data.items} runs={items} onStarted={runs.reload} /> : !presets.error && <Loading label="Loading the presets…" />
      ) : (
        <Notice>Starting, cancelling and registering runs needs the operator role; you can watch every run.</Notice>
      )}
      <Card title={`Runs${items.length ? ` (${items.length}${busy ? `, ${busy} active` : ''})` : ''}`}>
        {runs.loading && !runs.data ? (
          <Loading label="Loading the runs…" />
        ) : items.length === 0 ? (
          <EmptyState title="No training runs yet">{can('operator') ? 'Point the form above at a folder of chest radiographs to start one.' : 'An operator starts runs here.'}</EmptyState>
        ) : (
          <RunsTable runs={items} />
        )}
      </Card>
    </div>
  );
}
