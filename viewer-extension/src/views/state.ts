// The compare views' state, one record per OHIF viewport, observable so the panel and the
// on-image labels redraw when a command (key, button, test) changes it.

export type ViewMode = 'side-by-side' | 'flicker' | 'swipe' | 'overlay' | 'difference';
export type Side = 'original' | 'denoised';

export interface DifferenceInfo {
  readonly halfWidth: number;
  readonly robustSigma: number;
  readonly maxAbs: number;
  /** What the window's edge means, for the legend. */
  readonly windowBasis: 'guard bound' | '4 robust deviations' | 'largest difference' | 'set by the reader';
  readonly minuend: Side;
  readonly subtrahend: Side;
}

export interface ViewState {
  readonly viewportId: string;
  readonly mode: ViewMode;
  /** Which image the reader sees in flicker mode. */
  readonly showing: Side;
  /** Timed flicker, changes per second; null when off. */
  readonly blinkHz: number | null;
  /** Swipe divider, fraction of the width from the left: original left of it, denoised right. */
  readonly swipe: number;
  /** Overlay: the denoised image's opacity over the original. */
  readonly opacity: number;
  readonly difference?: DifferenceInfo;
  readonly error?: string;
}

export const DEFAULT_BLINK_HZ = 2;

export function initialState(viewportId: string, hostSide: Side): ViewState {
  return { viewportId, mode: 'side-by-side', showing: hostSide, blinkHz: null, swipe: 0.5, opacity: 0.5 };
}

export class ViewStore {
  private readonly states = new Map<string, ViewState>();
  private readonly listeners = new Set<() => void>();

  get(viewportId: string): ViewState | undefined {
    return this.states.get(viewportId);
  }

  all(): ViewState[] {
    return [...this.states.values()];
  }

  set(state: ViewState): void {
    this.states.set(state.viewportId, state);
    this.emit();
  }

  delete(viewportId: string): void {
    if (this.states.delete(viewportId)) this.emit();
  }

  clear(): void {
    this.states.clear();
    this.emit();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(): void {
    for (const l of this.listeners) l();
  }
}
