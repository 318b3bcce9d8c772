// Upload a generator: drop a .onnx file (or pick one), watch it go up and get validated, and
// read what the node said: the full report when it was accepted, each failed check as the
// API reported it when it was refused. The name and version come from the file's metadata.
import { useRef, useState, type DragEvent } from 'react';
import { ApiError } from '../../api.js';
import { useAuth } from '../../auth.js';
import { Button, Card } from '../../components/ui.js';
import { formatBytes } from '../../format.js';
import { setSearch } from '../../router.js';
import { modelLabel } from './model-types.js';
import { CheckList, ReportView } from './ReportView.js';
import { failedChecks, refusalTitle, rememberReport, uploadModel, type Uploaded, type UploadPhase } from './upload.js';

type State =
  | { readonly kind: 'idle' }
  | { readonly kind: 'busy'; readonly file: File; readonly phase: UploadPhase }
  | { readonly kind: 'done'; readonly file: File; readonly result: Uploaded }
  | { readonly kind: 'failed'; readonly file: File | null; readonly error: ApiError };

// Node's HTTP parser takes headers up to 16 KB; the figures travel in the query string.
const MAX_METRICS_CHARS = 8000;

/** onSettled: the registry (on success) and its audit trail (either way) changed. */
export function UploadPanel({ onSettled }: { onSettled: () => void }) {
  const { state: auth } = useAuth();
  const [state, setState] = useState<State>({ kind: 'idle' });
  const [metrics, setMetrics] = useState('');
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const abort = useRef<AbortController | null>(null);
  const busy = state.kind === 'busy';

  const start = async (file: File): Promise<void> => {
    const refused = precheck(file, metrics);
    if (refused) return setState({ kind: 'failed', file, error: refused });
    abort.current = new AbortController();
    setState({ kind: 'busy', file, phase: { kind: 'sending', loaded: 0, total: file.size } });
    try {
      const result = await uploadModel({
        file, csrfToken: auth?.csrfToken ?? null, metrics: metrics.trim(), signal: abort.current.signal,
        onPhase: (phase) => setState({ kind: 'busy', file, phase }),
      });
      rememberReport(result.model.id, result.report);
      setState({ kind: 'done', file, result });
    } catch (err) {
      if ((err as Error).name === 'AbortError') return setState({ kind: 'idle' });
      setState({ kind: 'failed', file, error: err instanceof ApiError ? err : new ApiError(0, (err as Error).message) });
    } finally {
      onSettled();
    }
  };
  const drop = (e: DragEvent): void => {
    e.preventDefault();
    setOver(false);
    const file = e.dataTransfer.files[0];
    if (file && !busy) void start(file);
  };

  return (
    <Card title="Upload a model" className="models-upload">
      <div
        className={`models-drop ${over ? 'models-drop-over' : ''} ${busy ? 'models-drop-busy' : ''}`}
        data-testid="model-drop"
        onDragOver={(e) => { e.preventDefault(); setOver(true); }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
      >
        <input ref={input} type="file" accept=".onnx" hidden data-testid="model-file" onChange={(e) => { const f = e.target.files?.[0]; e.target.value = ''; if (f) void start(f); }} />
        <p><strong>Drop a .onnx generator here</strong> or <Button variant="primary" disabled={busy} onClick={() => input.current?.click()}>Choose a file…</Button></p>
        <p className="muted small">
          Its name and version are read from the file's metadata (<code>python3 -m training export --name … --version …</code>). The node checks that it loads,
          has the input <code>noisy</code> and output <code>denoised</code> (float32 [N,1,H,W]), and denoises a radiograph sensibly; it is then a candidate, not yet active.
        </p>
      </div>
      <details className="models-metrics-input">
        <summary>Attach evaluation figures (optional)</summary>
        <textarea className="input" value={metrics} onChange={(e) => setMetrics(e.target.value)} placeholder='{"evaluation": {"settings": [{"key": "gaussian_25", "label": "Gaussian σ=25", "psnr": 33.1, "ssim": 0.86, "noisyPsnr": 20.6, "noisySsim": 0.31}]}}' aria-label="Evaluation figures as JSON" />
      </details>
      {state.kind === 'busy' && <Progress file={state.file} phase={state.phase} onCancel={() => abort.current?.abort()} />}
      {state.kind === 'done' && <Accepted result={state.result} file={state.file} onDismiss={() => setState({ kind: 'idle' })} />}
      {state.kind === 'failed' && <Refused error={state.error} file={state.file} onDismiss={() => setState({ kind: 'idle' })} />}
    </Card>
  );
}

function precheck(file: File, metrics: string): ApiError | undefined {
  if (!/\.onnx$/i.test(file.name)) return new ApiError(415, `${file.name} is not an .onnx file: export the generator with python3 -m training export`);
  if (file.size === 0) return new ApiError(400, `${file.name} is empty`);
  const text = metrics.trim();
  if (!text) return undefined;
  if (text.length > MAX_METRICS_CHARS) return new ApiError(400, `the evaluation figures are ${text.length} characters; at most ${MAX_METRICS_CHARS} fit in the request`);
  try {
    const value: unknown = JSON.parse(text);
    if (!value || typeof value !== 'object' || Array.isArray(value)) return new ApiError(400, 'the evaluation figures must be a JSON object');
  } catch (err) {
    return new ApiError(400, `the evaluation figures are not valid JSON: ${(err as Error).message}`);
  }
  return undefined;
}

function Progress({ file, phase, onCancel }: { file: File; phase: UploadPhase; onCancel: () => void }) {
  const sending = phase.kind === 'sending';
  const pct = sending ? Math.round((100 * phase.loaded) / Math.max(1, phase.total)) : 100;
  return (
    <div className="models-progress" role="status" aria-live="polite" data-testid="upload-progress" data-phase={phase.kind}>
      <div className="models-progress-head">
        <span><strong>{file.name}</strong> <span className="muted">{formatBytes(file.size)}</span></span>
        <span>{sending ? `Uploading… ${pct} %` : 'Validating: loading it in onnxruntime and running the self-check on a radiograph…'}</span>
        {sending && <Button variant="ghost" className="btn-small" onClick={onCancel}>Cancel</Button>}
      </div>
      <div className={`models-bar ${sending ? '' : 'models-bar-indeterminate'}`} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={sending ? pct : undefined}>
        <span style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

function Accepted({ result, file, onDismiss }: { result: Uploaded; file: File; onDismiss: () => void }) {
  const { model, report } = result;
  return (
    <div className="models-result models-result-ok" data-testid="upload-result" data-ok="true">
      <div className="models-result-head">
        <strong>Registered {modelLabel(model)}</strong>
        <span className="muted">from {file.name}, as a candidate</span>
        <span className="models-result-buttons">
          <Button className="btn-small" onClick={() => setSearch({ model: model.id })}>Open its details</Button>
          <Button variant="ghost" className="btn-small" onClick={onDismiss}>Dismiss</Button>
        </span>
      </div>
      <p className="muted small models-result-message">Promote it or put it in shadow mode from its details (admin). The node's report:</p>
      <ReportView report={report} />
    </div>
  );
}

function Refused({ error, file, onDismiss }: { error: ApiError; file: File | null; onDismiss: () => void }) {
  const checks = failedChecks(error);
  return (
    <div className="models-result models-result-bad" role="alert" data-testid="upload-result" data-ok="false" data-status={error.status}>
      <div className="models-result-head">
        <strong>{refusalTitle(error.status)}</strong>
        {file && <span className="muted">{file.name} · {formatBytes(file.size)}{error.status ? ` · HTTP ${error.status}` : ''}</span>}
        <span className="models-result-buttons"><Button variant="ghost" className="btn-small" onClick={onDismiss}>Dismiss</Button></span>
      </div>
      {/* A refused check's sentence is the message already; say it once, in the list. */}
      {checks.length === 0 && <p className="models-result-message">{error.message}</p>}
      {checks.length > 0 && <CheckList checks={checks} note="Each check the node reported as failed. Nothing was registered." />}
    </div>
  );
}
