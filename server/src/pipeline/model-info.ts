// Which model produced a derived image: the id and version that go into its provenance (and
// so its UIDs) and the queue's idempotency key, the execution provider that actually ran, and
// the tiling, which changes pixels at tile seams and is therefore a processing parameter.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Denoiser } from './denoise-image.js';
import type { ModelRunner } from './infer/index.js';

export interface ModelInfo {
  /** The ONNX metadata "name" (the manifest's file stem for shipped models). */
  readonly modelId: string;
  /** The ONNX metadata "version"; "sha256-<12 hex>" of the file when the model has none. */
  readonly modelVersion: string;
  /** The execution provider that runs the model (not merely the first one asked for). */
  readonly provider: string;
  /** Tile edge and overlap when the model runs in tiles. */
  readonly tiling?: { readonly tile: number; readonly overlap: number };
  /** The ONNX file, its training stage and, for an int8 form, how it was quantised: what
   *  /health shows so an operator sees which model runs. Not part of the provenance. */
  readonly file?: string;
  readonly stage?: string;
  readonly quantization?: string;
  /** onnxruntime intra-op threads (CPU). */
  readonly threads?: number;
}

/** A denoiser that says what it is; processInstance needs both. */
export type DescribedDenoiser = Denoiser & { readonly info: ModelInfo };

export function modelInfo(runner: ModelRunner): ModelInfo {
  const meta = runner.metadata;
  return {
    modelId: meta.name?.trim() || basename(runner.modelPath).replace(/\.onnx$/i, ''),
    // Without a version two different files would share UIDs; their content tells them apart.
    modelVersion: meta.version?.trim() || `sha256-${fileHash(runner.modelPath).slice(0, 12)}`,
    provider: runner.provider,
    tiling: { tile: runner.tile, overlap: runner.overlap },
    file: basename(runner.modelPath),
    ...(meta.stage ? { stage: meta.stage } : {}),
    ...(meta.quantization ? { quantization: meta.quantization } : {}),
    threads: runner.threads,
  };
}

/** The runner with its description attached (the runner itself is not modified). */
export function describeModel(runner: ModelRunner): DescribedDenoiser {
  const info = modelInfo(runner);
  return { info, denoise: (pixels, width, height) => runner.denoise(pixels, width, height) };
}

function fileHash(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
