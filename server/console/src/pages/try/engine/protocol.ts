// Messages between the page (browser-engine.ts) and the onnxruntime-web worker (ort-worker.ts).
import type { TilePlan } from '../node-shared.js';

export type ToWorker =
  | { readonly type: 'load'; readonly id: number; readonly model: ArrayBuffer; readonly wasm: { readonly mjs: string; readonly wasm: string }; readonly threads: number }
  | { readonly type: 'run'; readonly id: number; readonly pixels: Float32Array; readonly width: number; readonly height: number; readonly plan: TilePlan };

export type FromWorker =
  | { readonly type: 'loaded'; readonly id: number; readonly threads: number; readonly isolated: boolean; readonly ms: number }
  | { readonly type: 'progress'; readonly id: number; readonly done: number; readonly total: number }
  | { readonly type: 'result'; readonly id: number; readonly data: Float32Array; readonly ms: number; readonly runs: number }
  /** `superseded`: the run stopped for a newer one (not a failure of the engine). */
  | { readonly type: 'error'; readonly id: number; readonly message: string; readonly superseded?: boolean };
