// What the run was asked to do and what the trainer found: the dataset and its layout, the
// noise model, the hyperparameters given (the rest are the preset's), who started it and when.
import { Card } from '../../components/ui.js';
import { formatDateTime } from '../../format.js';
import type { RunDetail } from './types.js';

const LAYOUT: Record<string, string> = { kaggle: 'Kaggle (splits with class folders)', splits: 'train/ and val/ folders', flat: 'flat folder' };

export function RunDetails({ run }: { run: RunDetail }) {
  const ds = run.datasetInfo;
  const data = run.data;
  const hyper = Object.entries(run.params.hyper ?? {});
  return (
    <Card title="Details">
      <dl className="props">
        <dt>Dataset</dt><dd className="mono">{ds.path}</dd>
        <dt>Layout</dt><dd>{LAYOUT[data?.layout ?? ds.layout] ?? ds.layout}{ds.classes ? `, classes ${ds.classes.join(', ')}` : ''}</dd>
        <dt>Images</dt><dd>{data ? `${data.trainImages} to train on, ${data.valImages} to validate${data.holdout ? ` (the last ${data.holdout} held out)` : ''}` : `${ds.trainImages} to train on, ${ds.valImages} to validate`}</dd>
        <dt>Noise</dt><dd>{noiseText(run.params.noise)}</dd>
        <dt>Hyperparameters</dt><dd>{hyper.length === 0 ? `the ${run.preset} preset's` : hyper.map(([k, v]) => `${k} ${Array.isArray(v) ? `[${v.join(', ')}]` : String(v)}`).join(' · ')}</dd>
        {run.params.initFromRun && <><dt>Starts from</dt><dd>stage 1 of run {run.params.initFromRun}</dd></>}
        <dt>Started by</dt><dd>{run.createdBy}, {formatDateTime(run.createdAt)}</dd>
        <dt>Trained</dt><dd>{run.startedAt ? `${formatDateTime(run.startedAt)} – ${run.finishedAt ? formatDateTime(run.finishedAt) : run.state === 'running' ? 'now' : `${run.state}, not finished`}` : run.state === 'cancelled' ? 'never' : 'not yet'}</dd>
      </dl>
    </Card>
  );
}

function noiseText(n: { type: string; [k: string]: unknown }): string {
  const r = (v: unknown): string => (Array.isArray(v) ? `${v[0]}–${v[1]}` : String(v));
  if (n.type === 'gaussian') return `Gaussian, σ ${r(n.sigma)} (0–255 scale)`;
  if (n.type === 'poisson_gaussian') return `Poisson–Gaussian, ${r(n.peak)} photons at full signal, read noise σ ${r(n.readSigma)}`;
  return "the preset's (blind: Gaussian or Poisson–Gaussian per image)";
}
