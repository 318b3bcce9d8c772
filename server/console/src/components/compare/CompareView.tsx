// Two gray images compared on canvases at their full bit depth (the console's original |
// denoised view; Try-it and the models page reuse it). The images are windowed to 8 bits here,
// in JavaScript, so a reader can set the window on the stored values instead of on a JPEG of
// them. Modes: side by side, swipe (a divider to drag, or the slider, or the arrow keys),
// flicker (button or F; optionally on a timer) and difference (|a − b| × gain). Zoom and pan
// are shared by every pane (wheel, drag; double-click fits).
import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent, type ReactNode } from 'react';
import { grayCanvas, overlayCanvas } from './bitmap.js';
import { ComparePane, type Layer } from './ComparePane.js';
import { CompareToolbar, type CompareMode } from './CompareToolbar.js';
import { fitView, MAX_ZOOM, MIN_ZOOM, type Size, type ViewState } from './view.js';
import { differenceImage, dragWindow, sameSize, valueRange, windowImage, windowPresets, type GrayImage, type Windowing } from './windowing.js';
import './compare.css';

export type { GrayImage, Windowing } from './windowing.js';
export type { CompareMode } from './CompareToolbar.js';

export interface CompareSide {
  readonly label: string;
  readonly image: GrayImage | undefined;
  readonly loading?: boolean;
  readonly error?: string;
}

export interface CompareViewProps {
  readonly left: CompareSide;
  readonly right: CompareSide;
  /** In the images' value units. Followed when it changes; the view's own changes go to onWindowChange. */
  readonly window: Windowing;
  readonly onWindowChange?: (w: Windowing) => void;
  readonly modes?: readonly CompareMode[];
  readonly initialMode?: CompareMode;
  /** Initial gain of the difference mode (default 16: denoising removes noise of a few stored levels, which must show). */
  readonly differenceGain?: number;
  /** A 0..1 map drawn over the images (e.g. the guard's), stretched to their size. */
  readonly overlay?: GrayImage;
  /** CSS height of the panes (default 560px). */
  readonly height?: number | string;
}

const ALL_MODES: readonly CompareMode[] = ['side', 'swipe', 'flicker', 'difference'];
const EMPTY: Size = { width: 0, height: 0 };

export function CompareView(props: CompareViewProps) {
  const { left, right, overlay } = props;
  const modes = props.modes?.length ? props.modes : ALL_MODES;
  const [mode, setMode] = useState<CompareMode>(props.initialMode && modes.includes(props.initialMode) ? props.initialMode : modes[0]!);
  const [win, setWin] = useWindow(props.window, props.onWindowChange);
  const image: Size = left.image ?? right.image ?? EMPTY;
  const [view, setView] = useState<ViewState>(() => fitView(image));
  useEffect(() => setView(fitView(image)), [image.width, image.height]); // eslint-disable-line react-hooks/exhaustive-deps
  const [swipe, setSwipe] = useState(0.5);
  const [flickerRight, setFlickerRight] = useState(false);
  const [autoFlicker, setAutoFlicker] = useState(false);
  const [gain, setGain] = useState(props.differenceGain ?? 16);
  const [showOverlay, setShowOverlay] = useState(true);

  const range = useMemo(() => (left.image ?? right.image ? valueRange((left.image ?? right.image)!) : undefined), [left.image, right.image]);
  const presets = useMemo(() => windowPresets(props.window, range), [props.window.center, props.window.width, props.window.invert, range]); // eslint-disable-line react-hooks/exhaustive-deps
  const bitmaps = useBitmaps(left.image, right.image, win, mode, gain);
  const overlayBmp = useMemo(() => (overlay ? overlayCanvas(overlay) : undefined), [overlay]);

  useEffect(() => {
    if (mode !== 'flicker' || !autoFlicker) return;
    const timer = setInterval(() => setFlickerRight((r) => !r), 600);
    return () => clearInterval(timer);
  }, [mode, autoFlicker]);

  const dragStart = useRef<Windowing | null>(null);
  const onWindowDrag = (d: { dx: number; dy: number; paneWidth: number } | undefined): void => {
    if (!d) return void (dragStart.current = null);
    dragStart.current ??= win;
    const span = range ? Math.max(1, range.max - range.min) : dragStart.current.width * 2;
    setWin(dragWindow(dragStart.current, d.dx, d.dy, d.paneWidth, span));
  };
  const reset = (): void => setView(fitView(image));
  const keys = useKeys({ modes, mode, setMode, setSwipe, setFlickerRight, win, setWin, reset, zoom: (f) => setView((v) => ({ ...v, zoom: Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, v.zoom * f)) })) });

  const over: Layer[] = overlayBmp && showOverlay ? [{ source: overlayBmp, stretch: true }] : [];
  const pane = (layers: Layer[], side?: string, children?: ReactNode) => (
    <ComparePane key={side ?? 'one'} layers={layers} image={image} view={view} onView={setView} onReset={reset} onWindowDrag={onWindowDrag} mode={mode} side={side}>
      {children}
    </ComparePane>
  );
  const one = (bmp: HTMLCanvasElement | undefined): Layer[] => (bmp ? [{ source: bmp }, ...over] : []);

  let panes: ReactNode;
  if (mode === 'side') {
    panes = (
      <>
        {pane(one(bitmaps.left), 'left', <><Label text={left.label} /><Status side={left} /></>)}
        {pane(one(bitmaps.right), 'right', <><Label text={right.label} /><Status side={right} /></>)}
      </>
    );
  } else if (mode === 'swipe') {
    const layers: Layer[] = bitmaps.left && bitmaps.right ? [{ source: bitmaps.left }, { source: bitmaps.right, clipFrom: swipe }, ...over] : [];
    panes = pane(layers, undefined, <><Label text={left.label} /><Label text={right.label} end /><Divider at={swipe} onMove={setSwipe} /><Status side={left} /><Status side={right} /></>);
  } else if (mode === 'flicker') {
    const shown = flickerRight ? right : left;
    panes = pane(one(flickerRight ? bitmaps.right : bitmaps.left), flickerRight ? 'right' : 'left', <><Label text={shown.label} strong /><Status side={shown} /></>);
  } else {
    const text = `|${left.label} − ${right.label}| × ${gain}`;
    panes = pane(bitmaps.difference ? [{ source: bitmaps.difference }] : [], undefined, <><Label text={text} /><Status side={left} /><Status side={right} />{bitmaps.differenceError && <div className="compare-status compare-error">{bitmaps.differenceError}</div>}</>);
  }

  return (
    <div className="compare" data-testid="compare-view" data-mode={mode} data-swipe={swipe.toFixed(3)} data-flicker={flickerRight ? 'right' : 'left'} data-window={`${Math.round(win.center)}/${Math.round(win.width)}${win.invert ? '/inv' : ''}`}
      tabIndex={0} onKeyDown={keys} style={{ ['--compare-height' as string]: typeof props.height === 'number' ? `${props.height}px` : props.height }}>
      <CompareToolbar modes={modes} mode={mode} onMode={setMode} window={win} onWindow={setWin} presets={presets} swipe={swipe} onSwipe={setSwipe}
        flickerRight={flickerRight} onFlicker={() => setFlickerRight((r) => !r)} autoFlicker={autoFlicker} onAutoFlicker={setAutoFlicker}
        gain={gain} onGain={setGain} hasOverlay={!!overlay} overlay={showOverlay} onOverlay={setShowOverlay} zoom={view.zoom} onReset={reset}
        labels={{ left: left.label, right: right.label }} />
      <div className={`compare-panes compare-panes-${mode === 'side' ? 2 : 1}`}>{panes}</div>
      <p className="compare-hint muted small">Wheel zooms, drag pans, right-drag (or Shift+drag) sets the window, double-click fits. Keys: 1–{modes.length} mode, ←/→ swipe, F flicker, I invert, +/− zoom, R fit.</p>
    </div>
  );
}

/** The window, following the prop when it changes and reporting the view's own changes. */
function useWindow(prop: Windowing, onChange?: (w: Windowing) => void): [Windowing, (w: Windowing) => void] {
  const [win, setWin] = useState(prop);
  useEffect(() => setWin(prop), [prop.center, prop.width, prop.invert]); // eslint-disable-line react-hooks/exhaustive-deps
  const set = (w: Windowing): void => {
    setWin(w);
    onChange?.(w);
  };
  return [win, set];
}

/** The windowed canvases the current mode needs (the difference only in its mode, the images otherwise). */
function useBitmaps(a: GrayImage | undefined, b: GrayImage | undefined, w: Windowing, mode: CompareMode, gain: number) {
  const diff = mode === 'difference';
  const bmp = (img: GrayImage | undefined) => {
    if (!img || diff) return undefined;
    const start = performance.now(); // User Timing for tests/bench/console.bench.ts
    const canvas = grayCanvas(windowImage(img, w), img.width, img.height);
    performance.measure('sharpxr:window', { start });
    return canvas;
  };
  const left = useMemo(() => bmp(a), [a, w.center, w.width, w.invert, diff]); // eslint-disable-line react-hooks/exhaustive-deps
  const right = useMemo(() => bmp(b), [b, w.center, w.width, w.invert, diff]); // eslint-disable-line react-hooks/exhaustive-deps
  const difference = useMemo(() => {
    if (!diff || !a || !b) return {};
    if (!sameSize(a, b)) return { differenceError: `The images differ in size (${a.width}×${a.height} and ${b.width}×${b.height}): no difference map.` };
    return { difference: grayCanvas(differenceImage(a, b, w, gain), a.width, a.height) };
  }, [a, b, w.width, gain, diff]); // eslint-disable-line react-hooks/exhaustive-deps
  return { left, right, ...difference };
}

interface KeyDeps {
  modes: readonly CompareMode[]; mode: CompareMode; setMode: (m: CompareMode) => void; setSwipe: (f: (v: number) => number) => void;
  setFlickerRight: (f: (v: boolean) => boolean) => void; win: Windowing; setWin: (w: Windowing) => void; reset: () => void; zoom: (factor: number) => void;
}

function useKeys(d: KeyDeps) {
  return (e: KeyboardEvent<HTMLDivElement>): void => {
    if ((e.target as HTMLElement).closest('input, select, textarea')) return;
    const k = e.key.toLowerCase();
    const step = e.shiftKey ? 0.1 : 0.02;
    if (/^[1-4]$/.test(k) && d.modes[Number(k) - 1]) d.setMode(d.modes[Number(k) - 1]!);
    else if (d.mode === 'swipe' && (k === 'arrowleft' || k === 'arrowright')) d.setSwipe((v) => Math.min(1, Math.max(0, v + (k === 'arrowleft' ? -step : step))));
    else if (k === 'f' && d.modes.includes('flicker')) {
      if (d.mode === 'flicker') d.setFlickerRight((r) => !r);
      else d.setMode('flicker');
    } else if (k === 'i') d.setWin({ ...d.win, invert: !d.win.invert });
    else if (k === 'r') d.reset();
    else if (k === '+' || k === '=') d.zoom(1.25);
    else if (k === '-') d.zoom(0.8);
    else return;
    e.preventDefault();
  };
}

function Label({ text, end, strong }: { text: string; end?: boolean; strong?: boolean }) {
  return <div className={`compare-label ${end ? 'compare-label-end' : ''} ${strong ? 'compare-label-strong' : ''}`}>{text}</div>;
}

function Status({ side }: { side: CompareSide }) {
  if (side.error) return <div className="compare-status compare-error" role="alert">{side.label}: {side.error}</div>;
  if (side.loading) return <div className="compare-status" role="status"><span className="spinner" aria-hidden="true" /> Loading {side.label}…</div>;
  if (!side.image) return <div className="compare-status" role="status">{side.label}: no image</div>;
  return null;
}

/** The swipe's divider: drag it, or focus it and use the arrow keys (the view's handler). */
function Divider({ at, onMove }: { at: number; onMove: (v: number) => void }) {
  const follow = (e: PointerEvent<HTMLDivElement>): void => {
    const pane = e.currentTarget.parentElement?.getBoundingClientRect();
    if (pane && e.currentTarget.hasPointerCapture(e.pointerId)) onMove(Math.min(1, Math.max(0, (e.clientX - pane.left) / pane.width)));
  };
  return (
    <div className="compare-divider" data-testid="compare-divider" style={{ left: `${at * 100}%` }} role="slider" aria-label="Swipe divider" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(at * 100)}
      onPointerDown={(e) => { e.stopPropagation(); e.currentTarget.setPointerCapture(e.pointerId); }} onPointerMove={follow}>
      <span className="compare-divider-grip" aria-hidden="true">⇔</span>
    </div>
  );
}
