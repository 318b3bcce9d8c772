// One training run, live: progress and ETA, the G and D loss curves, validation PSNR/SSIM
// against the noisy input, the latest sample (noisy | output | clean) refreshed at every
// validation, cancel and resume, and once it is done the evaluation report and "Register as
// model". Everything arrives over server-sent events (the node pushes the whole run on each change).
import { useEffect, useState } from 'react';
import { api, ApiError } from '../../api.js';
import { useAuth } from '../../auth.js';
import { Button, Card, ConfirmButton, EmptyState, ErrorBanner, Loading, Notice, PageHeader, useAction } from '../../components/ui.js';
import { formatDateTime } from '../../format.js';
import { Link } from '../../router.js';
import type { PageProps } from '../index.js';
import { EvalReport } from './EvalReport.js';
import { RegisterDialog } from './RegisterDialog.js';
import { RunCharts } from './RunCharts.js';
import { PixelImage } from './PixelImage.js';
import { RunDetails } from './RunDetails.js';
import { ProgressBar, StateCell } from './RunsTable.js';
import { PHASE_LABEL, STAGE_LABEL, formatEta, plural, type RunDetail } from './types.js';
import './training.css';

export default function RunPage({ params }: PageProps) {
  const { run, error, live, replace } = useRunStream(params.id!);
  if (!run) return error ? <><PageHeader title="Training run" /><ErrorBanner error={error} title="Could not load the run" /></> : <Loading label="Loading the run…" />;
  return (
    <div className="training-page run-page" data-state={run.state}>
      <PageHeader
        title={run.name}
        subtitle={<><Link to="/training">Training</Link> · {STAGE_LABEL[run.stages]} · preset {run.preset} · <span className="mono">{run.dataset}</span></>}
        actions={<RunActions run={run} onChanged={replace} />}
      />
      <StatusNotice run={run} />
      <ProgressCard run={run} live={live} />
      {neverTrained(run) ? <RunDetails run={run} /> : (
        <>
          <RunCharts run={run} />
          <div className="grid grid-2 run-bottom">
            <SampleCard run={run} />
            <RunDetails run={run} />
          </div>
          {run.evaluation ? <EvalReport run={run} /> : run.state === 'done' ? null : (
            <Card title="Evaluation"><EmptyState title="Not evaluated yet">When the stages end, the run is evaluated on its validation images against the noisy input and non-local means, at four noise settings.</EmptyState></Card>
          )}
        </>
      )}
    </div>
  );
}

/** The run from its SSE stream (reconnecting by itself); a plain GET says why when the stream cannot open. */
function useRunStream(id: string): { run?: RunDetail; error?: Error; live: boolean; replace: (r: RunDetail) => void } {
  const [run, setRun] = useState<RunDetail>();
  const [error, setError] = useState<Error>();
  const [live, setLive] = useState(false);
  useEffect(() => {
    setRun(undefined);
    const source = new EventSource(`/api/training/runs/${encodeURIComponent(id)}/events`);
    source.addEventListener('run', (e) => {
      setRun(JSON.parse((e as MessageEvent<string>).data) as RunDetail);
      setError(undefined);
      setLive(true);
    });
    source.onerror = () => {
      setLive(false);
      api<RunDetail>(`/api/training/runs/${encodeURIComponent(id)}`).then(setRun, (err: Error) => {
        setError(err);
        if (err instanceof ApiError && err.status === 404) source.close();
      });
    };
    return () => source.close();
  }, [id]);
  return { run, error, live, replace: setRun };
}

function RunActions({ run, onChanged }: { run: RunDetail; onChanged: (r: RunDetail) => void }) {
  const { can } = useAuth();
  const resume = useAction(async () => onChanged(await api<RunDetail>(`/api/training/runs/${run.id}/resume`, { method: 'POST' })));
  if (!can('operator')) return null;
  const cancellable = ['queued', 'running', 'interrupted'].includes(run.state);
  const detail = run.state === 'running'
    ? 'The trainer finishes its current step and saves a checkpoint; the run is then interrupted and can be resumed from there.'
    : run.state === 'queued' ? 'The run leaves the queue and will not start.' : 'The run is closed for good; its checkpoint stays on disk but it can no longer be resumed here.';
  return (
    <>
      <ErrorBanner error={resume.error} title="Could not resume" />
      {run.resumable && <Button variant="primary" busy={resume.busy} onClick={() => void resume.run()}>Resume</Button>}
      {cancellable && (
        <ConfirmButton label={run.state === 'running' ? 'Stop run' : 'Cancel run'} confirm={run.state === 'running' ? `Stop ${run.name}?` : `Cancel ${run.name} for good?`} detail={<p>{detail}</p>}
          onConfirm={async () => onChanged(await api<RunDetail>(`/api/training/runs/${run.id}/cancel`, { method: 'POST' }))} />
      )}
      {/* Mounted on after registering too: the dialog says what was registered (the run is no longer registrable). */}
      {(run.registrable || run.modelId) && <RegisterDialog run={run} onRegistered={onChanged} />}
      {run.modelId && <Link className="btn btn-secondary" to={`/models?model=${encodeURIComponent(run.modelId)}`}>Open the registered model</Link>}
    </>
  );
}

/** Ended (failed or cancelled) before a step was logged: empty charts would only be noise. */
const neverTrained = (run: RunDetail): boolean =>
  (run.state === 'failed' || run.state === 'cancelled') && run.losses.length === 0 && run.val.length === 0;

function StatusNotice({ run }: { run: RunDetail }) {
  if (run.state === 'failed') return <ErrorBanner error={new Error(run.error ?? 'the run failed')} title="The run failed" />;
  if (run.state === 'interrupted') {
    const who = run.interruptedBy === 'user' ? 'It was stopped while training' : 'The node stopped while it trained';
    return <Notice kind="warn"><span>{who}, at step {run.step}. Its checkpoint is kept: <strong>Resume</strong> continues from there.</span></Notice>;
  }
  if (run.state === 'cancelled') return <Notice><span>Cancelled {run.step > 0 ? `at step ${run.step}` : 'before it trained'}: it will not run again. Start a new run from the <Link to="/training">Training</Link> page.</span></Notice>;
  if (run.state === 'queued') return <Notice><span>Waiting for the run in progress to end{run.queuePosition && run.queuePosition > 1 ? ` (${run.queuePosition - 1} more ahead)` : ''}.</span></Notice>;
  if (run.state === 'done' && !run.modelId && run.registrable) return <Notice kind="ok"><span>Done. Check the evaluation below, then register it as a model: it becomes a candidate on the Models page; promoting it stays an admin's decision.</span></Notice>;
  return null;
}

function ProgressCard({ run, live }: { run: RunDetail; live: boolean }) {
  return (
    <Card title="Progress" actions={<span className={`live ${live ? 'live-on' : ''}`} title={live ? 'updates arrive as the run trains' : 'not connected; retrying'}>{live ? 'live' : 'offline'}</span>}>
      <div className="progress-head">
        <StateCell run={run} />
        <ProgressBar value={run.progress} label="run progress" />
        <span className="eta" data-testid="eta">{run.state === 'running' ? <>ETA <b>{formatEta(run.etaSec)}</b></> : run.finishedAt ? `ended ${formatDateTime(run.finishedAt)}` : ''}</span>
      </div>
      <ol className="stage-list">
        {run.stageProgress.map((s) => (
          <li key={s.key} className={s.done ? 'stage-done' : run.phase === s.key ? 'stage-now' : ''}>
            <span title={s.done ? 'done' : run.phase === s.key ? 'training' : s.step > 0 ? 'stopped part way' : 'not started'}>{s.done ? '✓' : run.phase === s.key ? '▶' : s.step > 0 ? '‖' : '○'} {PHASE_LABEL[s.key]}</span>
            <span className="muted">step {s.step}{s.totalSteps ? ` of ${s.totalSteps}` : ''}</span>
          </li>
        ))}
        <li className={run.evaluation ? 'stage-done' : run.phase === 'eval' ? 'stage-now' : ''}>
          <span>{run.evaluation ? '✓' : run.phase === 'eval' ? '▶' : '○'} evaluation</span>
          <span className="muted">{run.evaluation ? `${plural(run.evaluation.images, 'image')}, ${run.evaluation.seconds} s` : run.phase === 'eval' ? 'running' : ''}</span>
        </li>
      </ol>
    </Card>
  );
}

function SampleCard({ run }: { run: RunDetail }) {
  const s = run.sample;
  return (
    <Card title="Sample" className="sample-card" actions={s && <span className="muted small">{PHASE_LABEL[s.stage === 2 ? 'gan' : 'stage1']}, step {s.step}</span>}>
      {s ? (
        <figure className="sample">
          <PixelImage src={s.url} maxWidth={640} alt={`first validation image at step ${s.step}: noisy, output, clean`} data-testid="sample-image" />
          <figcaption className="muted small">The first validation image: noisy input | the generator's output | clean (centre crop, enlarged without smoothing). Refreshed at every validation.</figcaption>
        </figure>
      ) : (
        <EmptyState title="No sample yet">The first one appears at the first validation.</EmptyState>
      )}
    </Card>
  );
}
