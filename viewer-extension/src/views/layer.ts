// A second Cornerstone stack viewport laid exactly over an OHIF viewport (same element box, same
// camera, and the same window/level unless told otherwise), showing another image: the other half
// of the pair, or the difference map. Flicker shows/hides it, swipe clips it, overlay fades it,
// all in CSS, so each is instant and the pixels are the ones Cornerstone renders, not a copy.
// It takes no pointer events: every interaction goes to the OHIF viewport below and is mirrored.
import type { CornerstoneCore, RenderingEngine, StackViewport, VoiRange } from '../ohif.js';

export interface LayerContent {
  readonly imageId: string;
  /** Follow the host's window/level and invert (false for the difference map: its own window). */
  readonly followVoi: boolean;
  readonly properties?: Record<string, unknown>;
}

export class CompareLayer {
  readonly element: HTMLDivElement;
  private readonly viewportId: string;
  private readonly unsubscribe: (() => void)[] = [];
  private content: LayerContent | undefined;
  private destroyed = false;

  constructor(
    private readonly cs: CornerstoneCore,
    private readonly engine: RenderingEngine,
    readonly host: StackViewport,
  ) {
    this.viewportId = `${host.id}-sharpxr-layer`;
    this.element = document.createElement('div');
    this.element.className = 'sharpxr-layer';
    this.element.dataset.sharpxrLayer = host.id;
    Object.assign(this.element.style, { position: 'absolute', inset: '0', pointerEvents: 'none', visibility: 'hidden' });
    // Inside the host's viewport-element, right above its canvas and below the annotation SVG.
    const box = host.canvas.parentElement ?? host.element;
    box.insertBefore(this.element, host.canvas.nextSibling);
    engine.enableElement({ viewportId: this.viewportId, element: this.element, type: cs.Enums.ViewportType.STACK ?? 'stack', defaultOptions: { background: [0, 0, 0] } });
    this.listen();
  }

  get viewport(): StackViewport {
    const vp = this.engine.getViewport(this.viewportId);
    if (!vp) throw new Error('the compare layer viewport is gone');
    return vp;
  }

  /** Shows `content` (loading it if needed) with the host's camera; resolves once rendered. */
  async show(content: LayerContent): Promise<void> {
    this.content = content;
    const vp = this.viewport;
    if (vp.getCurrentImageId() !== content.imageId) await vp.setStack([content.imageId], 0);
    if (this.content !== content || this.destroyed) return;
    // One property at a time, window first: Cornerstone maps a colour map onto the current window.
    for (const [key, value] of Object.entries(content.properties ?? {})) vp.setProperties({ [key]: value });
    this.sync();
  }

  setVisible(visible: boolean): void {
    this.element.style.visibility = visible ? 'visible' : 'hidden';
  }

  get visible(): boolean {
    return this.element.style.visibility === 'visible';
  }

  setOpacity(opacity: number): void {
    this.element.style.opacity = String(Math.min(1, Math.max(0, opacity)));
  }

  /** Shows only the part of the layer left (or right) of `fraction` of the width; undefined: all of it. */
  setClip(fraction: number | undefined, keep: 'left' | 'right' = 'left'): void {
    if (fraction === undefined) {
      this.element.style.clipPath = '';
      return;
    }
    const pct = Math.min(100, Math.max(0, fraction * 100));
    this.element.style.clipPath = keep === 'left' ? `inset(0 ${100 - pct}% 0 0)` : `inset(0 0 0 ${pct}%)`;
  }

  setVoi(voiRange: VoiRange): void {
    this.viewport.setProperties({ voiRange });
    this.viewport.render();
  }

  /** Copies the host's camera (and window/level, invert when followed) and renders. */
  sync(): void {
    if (this.destroyed || !this.content) return;
    const vp = this.viewport;
    vp.setCamera(this.host.getCamera());
    if (this.content.followVoi) {
      const { voiRange, invert } = this.host.getProperties();
      vp.setProperties({ ...(voiRange ? { voiRange } : {}), invert: !!invert });
    }
    vp.render();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const off of this.unsubscribe) off();
    try {
      this.engine.disableElement(this.viewportId);
    } catch {
      // The engine may already be gone with the mode; nothing is left to release then.
    }
    this.element.remove();
  }

  private listen(): void {
    const { Events } = this.cs.Enums;
    const onChange = (): void => this.sync();
    for (const name of [Events.CAMERA_MODIFIED, Events.VOI_MODIFIED, Events.DISPLAY_AREA_MODIFIED]) {
      if (!name) continue;
      this.host.element.addEventListener(name, onChange);
      this.unsubscribe.push(() => this.host.element.removeEventListener(name, onChange));
    }
    // OHIF resizes its viewports itself; the layer's canvas must follow, then the camera.
    const observer = new ResizeObserver(() => {
      if (this.destroyed) return;
      this.engine.resize(true, true);
      this.sync();
    });
    observer.observe(this.element);
    this.unsubscribe.push(() => observer.disconnect());
  }
}
