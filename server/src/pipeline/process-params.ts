// The processing parameters of a derivation: everything besides the model that changes the
// derived pixels. The same object goes into the derived UIDs (as Provenance.params, via
// canonical JSON) and, hashed, into the queue's idempotency key, so "same instance, same model,
// same parameters" means the same job and the same UIDs, and any change to either is new.
//
// Left out on purpose: what only changes the header (series number offset, description
// suffix, the guard's flag threshold and policy, which only decide " GUARD" and whether the
// image is held) and the SOP class written (a separate part of the UID key, so one job can
// yield both a same-class and a Secondary Capture object). The execution provider is left out
// too: CPU and GPU differ by float rounding, not by method, and a node falling back from one
// to the other should not start a new series.

import { createHash } from 'node:crypto';
import { canonicalJson } from '../derive/index.js';
import { DEFAULT_GUARD, checkGuardOptions, type GuardOptions } from './guard/index.js';
import type { ModelInfo } from './model-info.js';
import { DEFAULT_TAIL, type WindowOptions } from './normalize/index.js';

export interface ProcessingParams {
  readonly guard: { readonly k: number; readonly strength: number };
  readonly window: { readonly tail: number };
  readonly tiling?: { readonly tile: number; readonly overlap: number };
  /** Anything else the caller wants in the key (e.g. a site's preprocessing version). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface ProcessingParamsInput {
  readonly guard?: GuardOptions;
  readonly window?: WindowOptions;
  readonly model: { readonly info: ModelInfo };
  readonly extraParams?: Readonly<Record<string, unknown>>;
}

/** Defaults filled in, so an explicit default and an omitted option give the same key. */
export function processingParams(input: ProcessingParamsInput): ProcessingParams {
  const guard = input.guard ?? DEFAULT_GUARD;
  checkGuardOptions(guard);
  const tiling = input.model.info.tiling;
  const extra = input.extraParams;
  return {
    guard: { k: guard.k, strength: guard.strength },
    window: { tail: input.window?.tail ?? DEFAULT_TAIL },
    ...(tiling ? { tiling: { tile: tiling.tile, overlap: tiling.overlap } } : {}),
    ...(extra && Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

/** sha256 (hex) of the parameters' canonical JSON: the queue's paramsHash. */
export function processingParamsHash(params: ProcessingParams): string {
  return createHash('sha256').update(canonicalJson(params), 'utf8').digest('hex');
}
