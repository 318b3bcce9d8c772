// The panel's view controls: one button per compare view (the same commands as the keys), and
// the sliders each view needs (blink rate, swipe position, overlay opacity, difference window).
// Built once per pair; update() only changes values, so a slider being dragged is never rebuilt.
import type { CommandsManager } from '../ohif.js';
import type { ViewMode, ViewState } from '../views/state.js';
import { h, styles } from './dom.js';

interface Control {
  readonly mode: ViewMode;
  readonly label: string;
  readonly command: string;
}

const CONTROLS: readonly Control[] = [
  { mode: 'side-by-side', label: 'Side by side', command: 'sharpxrSideBySide' },
  { mode: 'flicker', label: 'Flicker', command: 'sharpxrFlicker' },
  { mode: 'swipe', label: 'Swipe', command: 'sharpxrSwipe' },
  { mode: 'overlay', label: 'Overlay', command: 'sharpxrOverlay' },
  { mode: 'difference', label: 'Difference', command: 'sharpxrDifference' },
];

function slider(name: string, label: string, min: number, max: number, step: number, onInput: (v: number) => void): { row: HTMLElement; input: HTMLInputElement; out: HTMLElement } {
  const input = h('input', { type: 'range', min, max, step, 'data-sharpxr': name, 'aria-label': label, style: 'flex:1;min-width:0' });
  input.addEventListener('input', () => onInput(Number(input.value)));
  const out = h('span', { style: 'width:64px;text-align:right' });
  const row = h('label', { style: `${styles.row};align-items:center;margin-top:6px` }, h('span', { style: 'width:78px;color:#9aa7b4' }, label), input, out);
  return { row, input, out };
}

export class ViewsSection {
  readonly element: HTMLElement;
  private readonly buttons = new Map<ViewMode, HTMLButtonElement>();
  private readonly blinkButton: HTMLButtonElement;
  private readonly rate;
  private readonly swipe;
  private readonly opacity;
  private readonly window;
  private readonly message = h('p', { style: `${styles.muted};margin:6px 0 0`, 'data-sharpxr': 'view-message' });

  constructor(private readonly commands: CommandsManager) {
    const run = (name: string, options: Record<string, unknown> = {}) => this.commands.runCommand(name, options);
    const row = h('div', { style: 'display:flex;flex-wrap:wrap;gap:4px' });
    for (const c of CONTROLS) {
      const b = h('button', { type: 'button', style: styles.button, 'data-sharpxr': `view-${c.mode}`, onclick: () => run(c.command, { toggle: false }) }, c.label);
      this.buttons.set(c.mode, b);
      row.append(b);
    }
    this.blinkButton = h('button', { type: 'button', style: styles.button, 'data-sharpxr': 'view-blink', onclick: () => run('sharpxrBlink') }, 'Blink');
    row.append(this.blinkButton);
    this.rate = slider('blink-rate', 'Blink rate', 0.5, 6, 0.5, (v) => run('sharpxrBlink', { hz: v }));
    this.swipe = slider('swipe-position', 'Divider', 0, 1, 0.01, (v) => run('sharpxrSetSwipe', { fraction: v }));
    this.opacity = slider('overlay-opacity', 'Opacity', 0, 1, 0.01, (v) => run('sharpxrSetOverlay', { opacity: v }));
    this.window = slider('difference-window', 'Window ±', 0, 1, 0.001, (v) => run('sharpxrDifferenceWindow', { halfWidth: v }));
    this.element = h('div', { style: styles.section, 'data-sharpxr': 'views' },
      h('h3', { style: styles.heading }, 'Compare'), row, this.rate.row, this.swipe.row, this.opacity.row, this.window.row, this.message);
  }

  update(state: ViewState | undefined): void {
    const mode = state?.mode ?? 'side-by-side';
    for (const [m, b] of this.buttons) {
      b.setAttribute('style', m === mode ? `${styles.button};${styles.pressed}` : styles.button);
      b.setAttribute('aria-pressed', String(m === mode));
    }
    this.blinkButton.setAttribute('style', state?.blinkHz ? `${styles.button};${styles.pressed}` : styles.button);
    this.show(this.rate, mode === 'flicker', state?.blinkHz ?? 2, state?.blinkHz ? `${state.blinkHz} /s` : 'off');
    this.show(this.swipe, mode === 'swipe', state?.swipe ?? 0.5, `${Math.round((state?.swipe ?? 0.5) * 100)} %`);
    this.show(this.opacity, mode === 'overlay', state?.opacity ?? 0.5, `${Math.round((state?.opacity ?? 0.5) * 100)} %`);
    const d = state?.difference;
    if (d && mode === 'difference') this.window.input.max = String(Math.max(d.maxAbs, d.halfWidth) || 1);
    this.show(this.window, mode === 'difference' && !!d, d?.halfWidth ?? 0, d ? formatWindow(d.halfWidth) : '');
    this.message.textContent = state?.error ?? (mode === 'difference' && d ? `σ of the map ${formatWindow(d.robustSigma)}, largest ${formatWindow(d.maxAbs)} (modality units)` : '');
  }

  private show(s: { row: HTMLElement; input: HTMLInputElement; out: HTMLElement }, visible: boolean, value: number, text: string): void {
    s.row.style.display = visible ? 'flex' : 'none';
    // Leave a slider the reader is dragging alone.
    if (document.activeElement !== s.input) s.input.value = String(value);
    s.out.textContent = text;
  }
}

const formatWindow = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2));
