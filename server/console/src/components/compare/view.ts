// Zoom and pan shared by every pane of the comparison (no DOM: the node tests run it). The
// state is in image pixels, not screen pixels, so two panes of different sizes still show the
// same part of the image: `cx, cy` is the image point at the pane's center and `zoom` is the
// magnification over "whole image fits the pane".

export interface ViewState {
  readonly zoom: number;
  readonly cx: number;
  readonly cy: number;
}

export interface Size {
  readonly width: number;
  readonly height: number;
}

export const MIN_ZOOM = 0.25;
export const MAX_ZOOM = 32;

export function fitView(image: Size): ViewState {
  return { zoom: 1, cx: image.width / 2, cy: image.height / 2 };
}

/** Screen pixels per image pixel. */
export function scaleOf(view: ViewState, image: Size, pane: Size): number {
  const fit = Math.min(pane.width / Math.max(1, image.width), pane.height / Math.max(1, image.height));
  return fit * view.zoom;
}

/** Image point → pane point. */
export function toScreen(view: ViewState, image: Size, pane: Size, x: number, y: number): { x: number; y: number } {
  const s = scaleOf(view, image, pane);
  return { x: (x - view.cx) * s + pane.width / 2, y: (y - view.cy) * s + pane.height / 2 };
}

/** Pane point → image point. */
export function toImage(view: ViewState, image: Size, pane: Size, x: number, y: number): { x: number; y: number } {
  const s = scaleOf(view, image, pane);
  return { x: (x - pane.width / 2) / s + view.cx, y: (y - pane.height / 2) / s + view.cy };
}

/** Zoom by `factor` keeping the image point under (px, py) where it is (the wheel's feel). */
export function zoomAt(view: ViewState, image: Size, pane: Size, factor: number, px: number, py: number): ViewState {
  const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, view.zoom * factor));
  const q = toImage(view, image, pane, px, py);
  const s = scaleOf({ ...view, zoom }, image, pane);
  return { zoom, cx: q.x - (px - pane.width / 2) / s, cy: q.y - (py - pane.height / 2) / s };
}

/** Move the image by (dx, dy) screen pixels (a drag). */
export function panBy(view: ViewState, image: Size, pane: Size, dx: number, dy: number): ViewState {
  const s = scaleOf(view, image, pane);
  return { ...view, cx: view.cx - dx / s, cy: view.cy - dy / s };
}
