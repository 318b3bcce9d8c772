// What is drawn on top of a viewport in a compare view, so a reader always knows what they are
// looking at: a label (ORIGINAL / DENOISED / DIFFERENCE …), the difference map's colour bar with
// its window, and the swipe divider with its drag handle. Plain DOM in the viewport's box.
import type { ViewState } from './state.js';
import { DIFFERENCE_GRADIENT_CSS } from './colormap.js';

const LABEL_STYLE = 'position:absolute;top:8px;left:50%;transform:translateX(-50%);z-index:20;pointer-events:none;' +
  'padding:3px 10px;border-radius:4px;background:rgba(0,0,0,0.72);color:#fff;font:600 13px/1.3 system-ui,sans-serif;letter-spacing:.04em;white-space:nowrap';

export class Decorations {
  private readonly label = document.createElement('div');
  private readonly legend = document.createElement('div');
  private readonly divider = document.createElement('div');
  private onDrag: ((fraction: number) => void) | undefined;

  constructor(private readonly box: HTMLElement) {
    this.label.className = 'sharpxr-view-label';
    this.label.setAttribute('style', LABEL_STYLE);
    this.legend.className = 'sharpxr-legend';
    this.legend.setAttribute('style', 'position:absolute;bottom:34px;left:50%;transform:translateX(-50%);z-index:20;pointer-events:none;' +
      'width:min(60%,320px);padding:4px 8px;border-radius:4px;background:rgba(0,0,0,0.72);color:#ddd;font:11px/1.3 system-ui,sans-serif');
    this.divider.className = 'sharpxr-swipe-divider';
    this.divider.setAttribute('style', 'position:absolute;top:0;bottom:0;width:24px;margin-left:-12px;z-index:21;cursor:ew-resize;touch-action:none');
    this.divider.innerHTML = '<div style="position:absolute;top:0;bottom:0;left:11px;width:2px;background:#ffd54a;box-shadow:0 0 3px #000"></div>' +
      '<div style="position:absolute;top:50%;left:2px;width:20px;height:36px;margin-top:-18px;border-radius:4px;background:#ffd54a;box-shadow:0 0 4px #000"></div>';
    this.divider.addEventListener('pointerdown', (e) => this.startDrag(e));
    for (const el of [this.label, this.legend, this.divider]) {
      el.style.display = 'none';
      box.appendChild(el);
    }
  }

  render(state: ViewState, onSwipe: (fraction: number) => void): void {
    this.onDrag = onSwipe;
    const active = state.mode !== 'side-by-side';
    this.label.style.display = active ? '' : 'none';
    this.label.textContent = labelText(state);
    this.label.style.background = state.error ? 'rgba(160,20,20,0.85)' : 'rgba(0,0,0,0.72)';
    this.divider.style.display = state.mode === 'swipe' ? '' : 'none';
    this.divider.style.left = `${state.swipe * 100}%`;
    const diff = state.mode === 'difference' ? state.difference : undefined;
    this.legend.style.display = diff ? '' : 'none';
    if (diff) this.legend.innerHTML = legendHtml(diff.halfWidth, diff.windowBasis);
  }

  destroy(): void {
    this.label.remove();
    this.legend.remove();
    this.divider.remove();
  }

  private startDrag(e: PointerEvent): void {
    e.preventDefault();
    e.stopPropagation();
    this.divider.setPointerCapture(e.pointerId);
    const move = (ev: PointerEvent): void => {
      const rect = this.box.getBoundingClientRect();
      if (rect.width > 0) this.onDrag?.(Math.min(1, Math.max(0, (ev.clientX - rect.left) / rect.width)));
    };
    const up = (): void => {
      this.divider.removeEventListener('pointermove', move);
      this.divider.removeEventListener('pointerup', up);
      this.divider.removeEventListener('pointercancel', up);
    };
    this.divider.addEventListener('pointermove', move);
    this.divider.addEventListener('pointerup', up);
    this.divider.addEventListener('pointercancel', up);
  }
}

function labelText(state: ViewState): string {
  if (state.error) return state.error;
  switch (state.mode) {
    case 'flicker':
      return `${state.showing === 'original' ? 'ORIGINAL' : 'DENOISED'}${state.blinkHz ? ` · blinking ${state.blinkHz} /s` : ''}`;
    case 'swipe':
      return 'ORIGINAL ◀ ▶ DENOISED';
    case 'overlay':
      return `DENOISED ${Math.round(state.opacity * 100)} % OVER ORIGINAL`;
    case 'difference': {
      const d = state.difference;
      const names = d ? `${d.minuend.toUpperCase()} − ${d.subtrahend.toUpperCase()}` : 'DENOISED − ORIGINAL';
      return `DIFFERENCE ${names}`;
    }
    default:
      return '';
  }
}

const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toPrecision(2));

function legendHtml(halfWidth: number, basis: string): string {
  return `<div style="height:10px;border-radius:2px;background:${DIFFERENCE_GRADIENT_CSS}"></div>` +
    `<div style="display:flex;justify-content:space-between"><span>−${fmt(halfWidth)}</span><span>0</span><span>+${fmt(halfWidth)}</span></div>` +
    `<div style="text-align:center">blue: darker after denoising · red: brighter · edge = ${basis}</div>`;
}
