// One canvas of the comparison: draws its layers under the shared zoom/pan, and turns the
// pointer into view and window changes (wheel zooms about the pointer, drag pans, right-drag
// or Shift+drag sets the window, double-click fits). The parent owns every state, so all
// panes move together.
import { useEffect, useLayoutEffect, useRef, useState, type PointerEvent as ReactPointerEvent, type ReactNode, type RefObject } from 'react';
import { panBy, scaleOf, toScreen, zoomAt, type Size, type ViewState } from './view.js';

export interface Layer {
  readonly source: CanvasImageSource;
  /** Draw only right of this fraction of the pane's width (the swipe's second image). */
  readonly clipFrom?: number;
  /** Stretched over the image whatever its own size (a coarser overlay map). */
  readonly stretch?: boolean;
}

export interface PaneProps {
  readonly layers: readonly Layer[];
  readonly image: Size;
  readonly view: ViewState;
  readonly onView: (v: ViewState) => void;
  readonly onReset: () => void;
  /** Window drag: called with the pointer's movement since the drag began and the pane width; undefined at its end. */
  readonly onWindowDrag: (delta: { dx: number; dy: number; paneWidth: number } | undefined) => void;
  readonly mode: string;
  readonly side?: string;
  readonly children?: ReactNode;
}

export function ComparePane({ layers, image, view, onView, onReset, onWindowDrag, mode, side, children }: PaneProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const size = usePaneSize(canvas);
  const latest = useRef({ view, image, size, onView });
  latest.current = { view, image, size, onView };

  useLayoutEffect(() => {
    if (!canvas.current || size.width <= 0) return;
    const start = performance.now(); // User Timing for tests/bench/console.bench.ts
    draw(canvas.current, layers, image, view, size);
    performance.measure('sharpxr:draw', { start });
  }, [layers, image, view, size]);

  // The wheel listener must not be passive: the page would scroll instead of the image zooming.
  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const wheel = (e: WheelEvent): void => {
      e.preventDefault();
      const { view: v, image: im, size: s, onView: set } = latest.current;
      const r = el.getBoundingClientRect();
      set(zoomAt(v, im, s, Math.pow(1.0015, -e.deltaY), e.clientX - r.left, e.clientY - r.top));
    };
    el.addEventListener('wheel', wheel, { passive: false });
    return () => el.removeEventListener('wheel', wheel);
  }, []);

  const drag = useRef<{ x: number; y: number; window: boolean; view: ViewState } | null>(null);
  const down = (e: ReactPointerEvent<HTMLCanvasElement>): void => {
    if (e.button !== 0 && e.button !== 2) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { x: e.clientX, y: e.clientY, window: e.button === 2 || e.shiftKey, view };
  };
  const move = (e: ReactPointerEvent<HTMLCanvasElement>): void => {
    const d = drag.current;
    if (!d) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (d.window) onWindowDrag({ dx, dy, paneWidth: size.width });
    else onView(panBy(d.view, image, size, dx, dy));
  };
  const up = (): void => {
    if (drag.current?.window) onWindowDrag(undefined);
    drag.current = null;
  };

  return (
    <div className="compare-pane">
      <canvas
        ref={canvas}
        data-testid="compare-canvas"
        data-mode={mode}
        data-side={side}
        className="compare-canvas"
        onPointerDown={down}
        onPointerMove={move}
        onPointerUp={up}
        onPointerCancel={up}
        onDoubleClick={onReset}
        onContextMenu={(e) => e.preventDefault()}
      />
      {children}
    </div>
  );
}

/** The canvas's CSS size, kept current; its backing store follows at the device's pixel ratio. */
function usePaneSize(ref: RefObject<HTMLCanvasElement | null>): Size {
  const [size, setSize] = useState<Size>({ width: 0, height: 0 });
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = (): void => {
      const r = el.getBoundingClientRect();
      setSize((s) => (s.width === r.width && s.height === r.height ? s : { width: r.width, height: r.height }));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return size;
}

function draw(canvas: HTMLCanvasElement, layers: readonly Layer[], image: Size, view: ViewState, pane: Size): void {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.round(pane.width * dpr);
  const h = Math.round(pane.height * dpr);
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, w, h);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const s = scaleOf(view, image, pane);
  const o = toScreen(view, image, pane, 0, 0);
  // Magnified, pixels stay square (a reader wants to see them); reduced, smoothing avoids aliasing.
  ctx.imageSmoothingEnabled = s * dpr < 1;
  for (const layer of layers) {
    ctx.save();
    if (layer.clipFrom !== undefined) {
      ctx.beginPath();
      ctx.rect(layer.clipFrom * pane.width, 0, pane.width, pane.height);
      ctx.clip();
    }
    if (layer.stretch) ctx.imageSmoothingEnabled = true;
    ctx.drawImage(layer.source, o.x, o.y, image.width * s, image.height * s);
    ctx.restore();
  }
}
