// The compare views of one viewport: flicker (and timed blink), swipe, overlay and difference,
// each a way of showing the other half of the pair (or the difference map) in a CompareLayer
// over the OHIF viewport. One CompareViews per mode session; state lives in a ViewStore.
import type { CornerstoneCore, ExtensionManager, RenderingEngine, ServicesManager, StackViewport } from '../ohif.js';
import { Decorations } from './decorations.js';
import { DifferenceController } from './difference.js';
import { CompareLayer } from './layer.js';
import { DEFAULT_BLINK_HZ, initialState, ViewStore, type Side, type ViewMode, type ViewState } from './state.js';
import { resolveTarget, type CompareTarget } from './targets.js';

interface Attached {
  readonly target: CompareTarget;
  readonly layer: CompareLayer;
  readonly decorations: Decorations;
  blinkTimer?: ReturnType<typeof setInterval>;
}

const other = (side: Side): Side => (side === 'original' ? 'denoised' : 'original');

export class CompareViews {
  readonly store = new ViewStore();
  private readonly attached = new Map<string, Attached>();
  private readonly difference: DifferenceController;

  constructor(
    private readonly cs: CornerstoneCore,
    private readonly servicesManager: ServicesManager,
    private readonly extensionManager: ExtensionManager,
  ) {
    this.difference = new DifferenceController(cs);
  }

  state(viewportId: string): ViewState | undefined {
    return this.store.get(viewportId);
  }

  /** Flicker: show the other image; again: back. Camera and window/level stay as they are. */
  async flicker(viewportId: string): Promise<ViewState> {
    const a = await this.attach(viewportId);
    const s = this.current(a);
    if (s.mode !== 'flicker') return this.enterFlicker(a, other(a.target.hostSide));
    return this.showSide(a, other(s.showing));
  }

  /** Timed flicker at `hz` changes per second (null stops it, leaving flicker mode on). */
  async blink(viewportId: string, hz: number | null = DEFAULT_BLINK_HZ): Promise<ViewState> {
    const a = await this.attach(viewportId);
    if (this.current(a).mode !== 'flicker') await this.enterFlicker(a, this.current(a).showing);
    this.stopBlink(a);
    const rate = hz === null ? null : Math.min(10, Math.max(0.25, hz));
    if (rate !== null) a.blinkTimer = setInterval(() => void this.showSide(a, other(this.current(a).showing)), 1000 / rate);
    return this.update(a, { blinkHz: rate });
  }

  async swipe(viewportId: string, fraction?: number): Promise<ViewState> {
    const a = await this.attach(viewportId);
    const s = this.current(a);
    const at = Math.min(1, Math.max(0, fraction ?? s.swipe));
    if (s.mode !== 'swipe') await this.enter(a, 'swipe', { imageId: a.target.imageIds[other(a.target.hostSide)], followVoi: true });
    // Original on the left of the divider, denoised on the right, whichever the viewport holds.
    a.layer.setClip(at, a.target.hostSide === 'denoised' ? 'left' : 'right');
    a.layer.setOpacity(1);
    a.layer.setVisible(true);
    return this.update(a, { mode: 'swipe', swipe: at });
  }

  /** Denoised over original at `opacity` (0: original only, 1: denoised only). */
  async overlay(viewportId: string, opacity?: number): Promise<ViewState> {
    const a = await this.attach(viewportId);
    const s = this.current(a);
    const alpha = Math.min(1, Math.max(0, opacity ?? s.opacity));
    if (s.mode !== 'overlay') await this.enter(a, 'overlay', { imageId: a.target.imageIds[other(a.target.hostSide)], followVoi: true });
    a.layer.setClip(undefined);
    // The layer holds the other image: denoised over an original host, original over a denoised one.
    a.layer.setOpacity(a.target.hostSide === 'original' ? alpha : 1 - alpha);
    a.layer.setVisible(true);
    return this.update(a, { mode: 'overlay', opacity: alpha });
  }

  /** Signed minuend − subtrahend (default denoised − original), colour-mapped, with its own window. */
  async showDifference(viewportId: string, options: { minuend?: Side; subtrahend?: Side; halfWidth?: number } = {}): Promise<ViewState> {
    const a = await this.attach(viewportId);
    const minuend = options.minuend ?? 'denoised';
    const subtrahend = options.subtrahend ?? 'original';
    this.exitCurrent(a);
    try {
      const shown = await this.difference.build(a.target, minuend, subtrahend, options.halfWidth);
      await a.layer.show(shown.content);
      a.layer.setClip(undefined);
      a.layer.setOpacity(1);
      a.layer.setVisible(true);
      return this.update(a, { mode: 'difference', difference: shown.info, error: undefined });
    } catch (err) {
      return this.update(a, { mode: 'side-by-side', error: `difference unavailable: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  async setDifferenceWindow(viewportId: string, halfWidth: number): Promise<ViewState> {
    const a = await this.attach(viewportId);
    const s = this.current(a);
    if (s.mode !== 'difference' || !s.difference || !(halfWidth > 0)) return s;
    a.layer.setVoi({ lower: -halfWidth, upper: halfWidth });
    return this.update(a, { difference: { ...s.difference, halfWidth, windowBasis: 'set by the reader' } });
  }

  /** Back to plain side by side for one viewport. */
  reset(viewportId: string): ViewState | undefined {
    const a = this.attached.get(viewportId);
    if (!a) return this.store.get(viewportId);
    this.exitCurrent(a);
    return this.update(a, { mode: 'side-by-side', showing: a.target.hostSide, error: undefined });
  }

  /** The viewport's series changed or it went away: drop its layer and state. */
  detach(viewportId: string): void {
    const a = this.attached.get(viewportId);
    if (!a) return;
    this.stopBlink(a);
    a.layer.destroy();
    a.decorations.destroy();
    this.attached.delete(viewportId);
    this.store.delete(viewportId);
  }

  destroy(): void {
    for (const id of [...this.attached.keys()]) this.detach(id);
    this.difference.clear();
    this.store.clear();
  }

  private async attach(viewportId: string): Promise<Attached> {
    const target = resolveTarget(this.servicesManager, this.extensionManager, viewportId);
    const existing = this.attached.get(viewportId);
    if (existing && sameTarget(existing.target, target) && existing.layer.host === this.host(viewportId)) return existing;
    if (existing) this.detach(viewportId);
    const host = this.host(viewportId);
    const engine = this.servicesManager.services.cornerstoneViewportService.getRenderingEngine() as RenderingEngine;
    const layer = new CompareLayer(this.cs, engine, host);
    const decorations = new Decorations(host.canvas.parentElement ?? host.element);
    const a: Attached = { target, layer, decorations };
    this.attached.set(viewportId, a);
    this.update(a, initialState(viewportId, target.hostSide));
    return a;
  }

  private host(viewportId: string): StackViewport {
    const vp = this.servicesManager.services.cornerstoneViewportService.getCornerstoneViewport(viewportId);
    if (!vp || typeof vp.setStack !== 'function') throw new Error('that viewport is not a 2D image viewport');
    return vp;
  }

  private current(a: Attached): ViewState {
    return this.store.get(a.target.viewportId) ?? initialState(a.target.viewportId, a.target.hostSide);
  }

  private async enterFlicker(a: Attached, show: Side): Promise<ViewState> {
    await this.enter(a, 'flicker', { imageId: a.target.imageIds[other(a.target.hostSide)], followVoi: true });
    a.layer.setClip(undefined);
    a.layer.setOpacity(1);
    this.update(a, { mode: 'flicker', blinkHz: null });
    return this.showSide(a, show);
  }

  private showSide(a: Attached, side: Side): ViewState {
    // The layer holds the other image; showing the host's own side is hiding the layer.
    a.layer.setVisible(side !== a.target.hostSide);
    return this.update(a, { showing: side });
  }

  private async enter(a: Attached, mode: ViewMode, content: Parameters<CompareLayer['show']>[0]): Promise<void> {
    this.exitCurrent(a);
    await a.layer.show(content);
    this.update(a, { mode, error: undefined });
  }

  private exitCurrent(a: Attached): void {
    this.stopBlink(a);
    a.layer.setVisible(false);
    a.layer.setClip(undefined);
    a.layer.setOpacity(1);
  }

  private stopBlink(a: Attached): void {
    if (a.blinkTimer !== undefined) clearInterval(a.blinkTimer);
    a.blinkTimer = undefined;
  }

  private update(a: Attached, patch: Partial<ViewState>): ViewState {
    const next = { ...this.current(a), ...patch };
    if (next.mode !== 'flicker') Object.assign(next, { blinkHz: null, showing: a.target.hostSide });
    this.store.set(next);
    a.decorations.render(next, (f) => void this.swipe(a.target.viewportId, f));
    return next;
  }
}

function sameTarget(x: CompareTarget, y: CompareTarget): boolean {
  return x.imageIds.original === y.imageIds.original && x.imageIds.denoised === y.imageIds.denoised && x.hostSide === y.hostSide;
}
