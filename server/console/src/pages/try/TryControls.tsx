// Which engine runs the model, and the guard's strength (re-blends at once, no new run).
import type { Engine, TryModel } from './run.js';

interface Props {
  readonly engine: Engine;
  readonly canUseNode: boolean;
  /** Why the browser cannot run the model, if it cannot. */
  readonly browserUnavailable: string | undefined;
  readonly onEngine: (e: Engine) => void;
  readonly strength: number;
  readonly defaultStrength: number;
  readonly onStrength: (s: number) => void;
  readonly disabled: boolean;
  readonly model: TryModel;
  readonly threads: number;
}

export function TryControls(p: Props) {
  return (
    <div className="try-controls">
      <fieldset className="try-engine">
        <legend className="muted small">Engine</legend>
        <label title={p.browserUnavailable}>
          <input type="radio" name="try-engine" value="browser" checked={p.engine === 'browser'} onChange={() => p.onEngine('browser')} data-testid="try-engine-browser" />
          {' '}In this browser <span className="muted small">{p.browserUnavailable ? `(cannot run here${p.canUseNode ? ': the node runs it instead' : ''})` : `(WebAssembly, ${p.threads} thread${p.threads === 1 ? '' : 's'})`}</span></label>
        <label title={p.canUseNode ? undefined : 'Running the model on the node needs the operator role: it shares the node with incoming images'}>
          <input type="radio" name="try-engine" value="server" checked={p.engine === 'server'} disabled={!p.canUseNode} onChange={() => p.onEngine('server')} data-testid="try-engine-server" />
          {' '}On the node <span className="muted small">{p.canUseNode ? '(the file is sent to it, not stored)' : '(operators only)'}</span></label>
      </fieldset>
      <div className="try-strength">
        <label htmlFor="try-strength" className="muted small">Strength (0 = original, 1 = model; the node uses {p.defaultStrength})</label>
        <div className="try-strength-row">
          <input id="try-strength" type="range" min={0} max={1} step={0.05} value={p.strength} disabled={p.disabled} data-testid="try-strength"
            onChange={(e) => p.onStrength(Number(e.target.value))} aria-valuetext={p.strength.toFixed(2)} />
          <output htmlFor="try-strength" className="mono">{p.strength.toFixed(2)}</output>
          {p.strength !== p.defaultStrength && <button type="button" className="link-button small" onClick={() => p.onStrength(p.defaultStrength)}>reset</button>}
        </div>
      </div>
      <div className="muted small try-model">Model: <strong>{p.model.name} {p.model.version}</strong></div>
    </div>
  );
}
