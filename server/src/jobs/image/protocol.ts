// Messages between the image renderer (renderer.ts, main thread) and its worker thread
// (worker-entry.ts). The pixels cross as a transferred ArrayBuffer, never copied.
import type { SerializedError } from '../../pipeline/worker-errors.js';
import type { RenderedImage } from './render.js';

export interface RenderRequest {
  readonly id: number;
  readonly path: string;
}

export type RenderReply =
  | { readonly id: number; readonly ok: true; readonly image: RenderedImage }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError };
