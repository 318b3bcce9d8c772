// Starting a run: the dataset folder on the server (checked as it is typed: layout and image
// counts, or what is wrong), the preset, the stages, the noise model and the main
// hyperparameters (empty = the preset's value, shown as the placeholder). The node validates
// the whole request again; its messages name the field and are shown under it.
import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, query } from '../../api.js';
import { Button, Card, ErrorBanner, Field, Select, TextInput } from '../../components/ui.js';
import { navigate } from '../../router.js';
import { HYPER_FIELDS, buildBody, splitErrors, type FormState } from './form.js';
import { STAGE_LABEL, type DatasetInfo, type Preset, type RunDetail, type RunSummary, type StageChoice } from './types.js';

const EMPTY: FormState = { dataset: '', preset: 'product', stages: 'both', initFromRun: '', name: '', noise: 'preset', sigmaLo: '5', sigmaHi: '50', peakLo: '30', peakHi: '3000', readSigma: '2', hyper: {} };

export function StartForm({ presets, runs, onStarted }: { presets: Preset[]; runs: RunSummary[]; onStarted: () => void }) {
  const [f, setF] = useState<FormState>(EMPTY);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const dataset = useDatasetCheck(f.dataset, f.preset);
  const preset = presets.find((p) => p.name === f.preset);
  const set = (patch: Partial<FormState>): void => setF((s) => ({ ...s, ...patch }));
  const sources = runs.filter((r) => r.state === 'done' && r.stages !== 'gan');
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const built = buildBody(f);
    setErrors(built.errors);
    setFailure(undefined);
    if (Object.keys(built.errors).length > 0) return;
    setBusy(true);
    try {
      const run = await api<RunDetail>('/api/training/runs', { json: built.body });
      onStarted();
      navigate(`/training/${run.id}`);
    } catch (err) {
      const split = err instanceof ApiError && err.status === 400 ? splitErrors(err.message) : { fields: {}, rest: null };
      setErrors(split.fields);
      if (!(err instanceof ApiError) || err.status !== 400 || split.rest) setFailure(split.rest ? new Error(split.rest) : (err as Error));
    } finally {
      setBusy(false);
    }
  };
  const datasetError = errors.dataset ?? (dataset.error || undefined);
  return (
    <Card title="Start a run">
      <form className="training-form" onSubmit={submit} noValidate aria-label="Start a training run">
        <div className="form-row">
          <Field label="Dataset folder on the server" error={datasetError} hint={dataset.info ? <span className="dataset-ok">✓ {dataset.info.description}</span> : 'A Kaggle chest_xray folder, train/ + val/ folders, or a flat folder of PNG/JPEG/DICOM images'}>
            {(id) => <TextInput id={id} value={f.dataset} onChange={(e) => set({ dataset: e.target.value })} placeholder="/data/chest_xray" spellCheck={false} autoComplete="off" required />}
          </Field>
          <Field label="Run name" hint="optional; also the run's folder" error={errors.name}>
            {(id) => <TextInput id={id} value={f.name} onChange={(e) => set({ name: e.target.value })} placeholder="generated" spellCheck={false} />}
          </Field>
        </div>
        <div className="form-row">
          <Field label="Preset" hint={preset?.description} error={errors.preset}>
            {(id) => (
              <Select id={id} value={f.preset} onChange={(e) => set({ preset: e.target.value, hyper: {} })}>
                {presets.map((p) => <option key={p.name} value={p.name}>{p.name}</option>)}
              </Select>
            )}
          </Field>
          <Field label="Stages" error={errors.stages}>
            {(id) => (
              <Select id={id} value={f.stages} onChange={(e) => set({ stages: e.target.value as StageChoice })}>
                {(Object.keys(STAGE_LABEL) as StageChoice[]).map((k) => <option key={k} value={k}>{STAGE_LABEL[k]}</option>)}
              </Select>
            )}
          </Field>
          {f.stages === 'gan' && (
            <Field label="Stage-1 checkpoint from run" error={errors.initFromRun} hint={sources.length === 0 ? 'no finished stage-1 run yet' : undefined}>
              {(id) => (
                <Select id={id} value={f.initFromRun} onChange={(e) => set({ initFromRun: e.target.value })}>
                  <option value="">choose a run…</option>
                  {sources.map((r) => <option key={r.id} value={r.id}>{r.name}</option>)}
                </Select>
              )}
            </Field>
          )}
        </div>
        <NoiseFields f={f} set={set} errors={errors} />
        <HyperFields f={f} set={set} errors={errors} preset={preset} />
        <ErrorBanner error={failure} title="The run was not started" />
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={busy}>Start run</Button>
          <span className="muted small">Runs one at a time at the lowest CPU priority; a new run waits in the queue.</span>
        </div>
      </form>
    </Card>
  );
}

type Setter = (patch: Partial<FormState>) => void;

function NoiseFields({ f, set, errors }: { f: FormState; set: Setter; errors: Record<string, string> }) {
  const num = (key: 'sigmaLo' | 'sigmaHi' | 'peakLo' | 'peakHi' | 'readSigma', label: string, error?: string) => (
    <Field label={label} error={error}>
      {(id) => <TextInput id={id} inputMode="decimal" value={f[key]} onChange={(e) => set({ [key]: e.target.value })} />}
    </Field>
  );
  return (
    <div className="form-row">
      <Field label="Noise model" error={errors.noise}>
        {(id) => (
          <Select id={id} value={f.noise} onChange={(e) => set({ noise: e.target.value as FormState['noise'] })}>
            <option value="preset">The preset's (blind: Gaussian or Poisson–Gaussian per image)</option>
            <option value="gaussian">Gaussian</option>
            <option value="poisson_gaussian">Poisson–Gaussian (quantum + read noise)</option>
          </Select>
        )}
      </Field>
      {f.noise === 'gaussian' && <>{num('sigmaLo', 'σ from (0–255 scale)', errors['noise.sigma'])}{num('sigmaHi', 'σ to')}</>}
      {f.noise === 'poisson_gaussian' && <>{num('peakLo', 'Photons at full signal, from', errors['noise.peak'])}{num('peakHi', 'to')}{num('readSigma', 'Read noise σ', errors['noise.readSigma'])}</>}
    </div>
  );
}

function HyperFields({ f, set, errors, preset }: { f: FormState; set: Setter; errors: Record<string, string>; preset: Preset | undefined }) {
  const shown = HYPER_FIELDS.filter((h) => (h.stage !== 2 || f.stages !== 'stage1') && (h.stage !== 1 || f.stages !== 'gan'));
  const open = shown.some((h) => f.hyper[h.key]) || shown.some((h) => errors[`hyper.${h.key}`]);
  return (
    <details className="hyper" open={open || undefined}>
      <summary>Hyperparameters <span className="muted small">(empty: the preset's value)</span></summary>
      <div className="hyper-grid">
        {shown.map((h) => (
          <Field key={h.key} label={h.label} error={errors[`hyper.${h.key}`]}>
            {(id) => (
              <TextInput id={id} inputMode={h.key === 'channels' ? 'text' : 'decimal'} value={f.hyper[h.key] ?? ''} placeholder={h.placeholder(preset)}
                onChange={(e) => set({ hyper: { ...f.hyper, [h.key]: e.target.value } })} />
            )}
          </Field>
        ))}
      </div>
    </details>
  );
}

/** Checks the folder once typing pauses; the answer is dropped if the folder changed meanwhile. */
function useDatasetCheck(path: string, preset: string): { info?: DatasetInfo; error?: string } {
  const [state, setState] = useState<{ path: string; info?: DatasetInfo; error?: string }>({ path: '' });
  useEffect(() => {
    if (!path.trim()) return setState({ path: '' });
    const abort = new AbortController();
    const timer = setTimeout(() => {
      api<DatasetInfo>(`/api/training/dataset${query({ path: path.trim(), preset })}`, { signal: abort.signal }).then(
        (info) => setState({ path, info }),
        (err: Error) => err.name !== 'AbortError' && setState({ path, error: err.message.replace(/^dataset: /, '') }),
      );
    }, 450);
    return () => { clearTimeout(timer); abort.abort(); };
  }, [path, preset]);
  return state.path === path ? state : {};
}
