// The comparison's controls: mode, window (presets, the numbers, inversion), and what the
// current mode needs (the swipe position, which image the flicker shows, the difference's
// gain), plus the overlay switch and a zoom reset. Every control has a key too (see hints).
import type { WindowPreset, Windowing } from './windowing.js';

export type CompareMode = 'side' | 'swipe' | 'flicker' | 'difference';

export const MODE_LABELS: Readonly<Record<CompareMode, string>> = {
  side: 'Side by side', swipe: 'Swipe', flicker: 'Flicker', difference: 'Difference',
};

export interface ToolbarProps {
  readonly modes: readonly CompareMode[];
  readonly mode: CompareMode;
  readonly onMode: (m: CompareMode) => void;
  readonly window: Windowing;
  readonly onWindow: (w: Windowing) => void;
  readonly presets: readonly WindowPreset[];
  readonly swipe: number;
  readonly onSwipe: (v: number) => void;
  readonly flickerRight: boolean;
  readonly onFlicker: () => void;
  readonly autoFlicker: boolean;
  readonly onAutoFlicker: (on: boolean) => void;
  readonly gain: number;
  readonly onGain: (g: number) => void;
  readonly hasOverlay: boolean;
  readonly overlay: boolean;
  readonly onOverlay: (on: boolean) => void;
  readonly zoom: number;
  readonly onReset: () => void;
  readonly labels: { readonly left: string; readonly right: string };
}

export function CompareToolbar(p: ToolbarProps) {
  return (
    <div className="compare-toolbar">
      <div className="compare-modes" role="tablist" aria-label="Comparison mode">
        {p.modes.map((m, i) => (
          <button key={m} type="button" role="tab" aria-selected={p.mode === m} className="compare-mode" data-compare-mode={m} title={`${MODE_LABELS[m]} (key ${i + 1})`} onClick={() => p.onMode(m)}>
            {MODE_LABELS[m]}
          </button>
        ))}
      </div>
      <ModeControls {...p} />
      <WindowControls {...p} />
      <div className="compare-group">
        {p.hasOverlay && (
          <label className="compare-check">
            <input type="checkbox" checked={p.overlay} onChange={(e) => p.onOverlay(e.target.checked)} /> Overlay
          </label>
        )}
        <button type="button" className="btn btn-small" onClick={p.onReset} title="Fit the image (double-click, key R)">
          Fit · {Math.round(p.zoom * 100)} %
        </button>
      </div>
    </div>
  );
}

function ModeControls(p: ToolbarProps) {
  if (p.mode === 'swipe') {
    return (
      <label className="compare-group compare-range">
        <span className="muted small compare-side-label" title={p.labels.left}>{p.labels.left}</span>
        <input type="range" min={0} max={1000} value={Math.round(p.swipe * 1000)} aria-label="Swipe position" data-testid="compare-swipe" onChange={(e) => p.onSwipe(Number(e.target.value) / 1000)} />
        <span className="muted small compare-side-label" title={p.labels.right}>{p.labels.right}</span>
      </label>
    );
  }
  if (p.mode === 'flicker') {
    const shown = p.flickerRight ? p.labels.right : p.labels.left;
    return (
      <div className="compare-group compare-flicker">
        <button type="button" className="btn btn-small" onClick={p.onFlicker} title={`Showing ${shown} (key F)`} data-testid="compare-flicker">
          <span className="compare-flicker-prefix">Showing</span>{' '}<span className="compare-side-label">{shown}</span>{' '}<kbd>F</kbd>
        </button>
        <label className="compare-check">
          <input type="checkbox" checked={p.autoFlicker} onChange={(e) => p.onAutoFlicker(e.target.checked)} /> Auto
        </label>
      </div>
    );
  }
  if (p.mode === 'difference') {
    return (
      <label className="compare-group compare-range" title="A difference of 1/gain of the window width shows white">
        <span className="muted small">Gain ×{p.gain}</span>
        <input type="range" min={1} max={64} value={p.gain} aria-label="Difference gain" data-testid="compare-gain" onChange={(e) => p.onGain(Number(e.target.value))} />
      </label>
    );
  }
  return null;
}

function WindowControls(p: ToolbarProps) {
  const w = p.window;
  const preset = p.presets.find((x) => same(x.window, w))?.id ?? '';
  const set = (patch: Partial<Windowing>): void => p.onWindow({ ...w, ...patch });
  return (
    <div className="compare-group" title="Right-drag or Shift+drag on the image: horizontal sets the width, vertical the level">
      <select className="input compare-select" aria-label="Window preset" value={preset} onChange={(e) => {
        const next = p.presets.find((x) => x.id === e.target.value);
        if (next) p.onWindow({ ...next.window, invert: w.invert });
      }}>
        {preset === '' && <option value="">Custom window</option>}
        {p.presets.map((x) => <option key={x.id} value={x.id}>{x.label}</option>)}
      </select>
      <label className="compare-num">
        C <input className="input" type="number" value={Math.round(w.center)} aria-label="Window center" onChange={(e) => Number.isFinite(e.target.valueAsNumber) && set({ center: e.target.valueAsNumber })} />
      </label>
      <label className="compare-num">
        W <input className="input" type="number" min={1} value={Math.round(w.width)} aria-label="Window width" onChange={(e) => e.target.valueAsNumber >= 1 && set({ width: e.target.valueAsNumber })} />
      </label>
      <label className="compare-check" title="Key I">
        <input type="checkbox" checked={!!w.invert} onChange={(e) => set({ invert: e.target.checked })} /> Invert
      </label>
    </div>
  );
}

function same(a: Windowing, b: Windowing): boolean {
  return Math.round(a.center) === Math.round(b.center) && Math.round(a.width) === Math.round(b.width);
}
