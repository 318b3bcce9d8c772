// The per-instance processing stage the job worker calls (issue 3):
//   in:  a received file's path; a decoder (inThreadDecoder), a described model,
//        guard / window options, derive options
//   out: the derived DICOM object (bytes and UIDs), the guard's report, the processing
//        parameters and their hash (the queue's key), and how long each step took
//
// Split in two so a caller can derive several objects (same SOP class and Secondary Capture)
// from one inference: denoiseInstance runs decode -> normalize -> model -> guard ->
// denormalize; deriveInstance builds a derived object from that. processInstance does both.
// In the node, denoiseInstance runs in the pipeline's child process and its result crosses the
// IPC channel, so it holds only what deriving needs: the source's header (source-header.ts),
// the denoised pixels and small figures; not the source's Pixel Data nor its decoded frame.

import { buildDerived, type DeriveOptions, type DerivedObject, type GuardFigures } from '../derive/index.js';
import { UnsupportedImageError, type DecodedImage, type InstanceDecoder, type ParsedDicom, type StoredPixels } from './decode/index.js';
import { denoiseImage } from './denoise-image.js';
import type { GuardOptions, GuardReport } from './guard/index.js';
import type { DescribedDenoiser, ModelInfo } from './model-info.js';
import type { ModelMapping, WindowOptions } from './normalize/index.js';
import { processingParams, processingParamsHash, type ProcessingParams } from './process-params.js';
import { sourceHeader } from './source-header.js';

/** DeriveOptions minus what this stage decides itself (the guard flag, the source syntax). */
export type InstanceDeriveOptions = Omit<DeriveOptions, 'guardFlag' | 'sourceTransferSyntaxUid'>;

export interface ProcessInstanceDeps {
  readonly decoder: InstanceDecoder;
  readonly model: DescribedDenoiser;
  /** Default DEFAULT_GUARD. */
  readonly guard?: GuardOptions;
  readonly window?: WindowOptions;
  readonly derive?: InstanceDeriveOptions;
  /** Extra entries for the processing parameters (and so the UIDs and the queue key). */
  readonly extraParams?: Readonly<Record<string, unknown>>;
}

export interface InstanceTimings {
  readonly readMs: number;
  readonly decodeMs: number;
  readonly normalizeMs: number;
  readonly inferMs: number;
  readonly guardMs: number;
  readonly denormalizeMs: number;
  readonly encodeMs: number;
  /** Wall time of the whole call (includes waiting for a decode worker). */
  readonly totalMs: number;
}

/** What the source was, for logs and the CLI. */
export interface SourceSummary {
  readonly sopInstanceUid?: string;
  readonly transferSyntaxUid: string;
  readonly width: number;
  readonly height: number;
  readonly bitsStored: number;
  readonly photometric: DecodedImage['photometric'];
}

export interface DenoisedInstance {
  /** The source's data set without Pixel Data and top-level private elements (source-header.ts). */
  readonly header: ParsedDicom;
  /** Bytes of the source's Pixel Data value, for the lossy compression ratio. */
  readonly sourcePixelDataBytes: number;
  readonly source: SourceSummary;
  /** Denoised and guarded frame 0, as stored values of the source's kind. */
  readonly pixels: StoredPixels;
  readonly mapping: ModelMapping;
  readonly guard: GuardReport;
  readonly model: ModelInfo;
  readonly params: ProcessingParams;
  readonly paramsHash: string;
  readonly timings: Omit<InstanceTimings, 'encodeMs' | 'totalMs'>;
}

export interface ProcessedInstanceResult {
  readonly derived: DerivedObject;
  readonly guard: GuardReport;
  readonly model: ModelInfo;
  readonly params: ProcessingParams;
  readonly paramsHash: string;
  readonly source: SourceSummary;
  readonly timings: InstanceTimings;
}

/** Decode, denoise and guard one file; derive the object separately with deriveInstance. */
export async function denoiseInstance(input: { path: string }, deps: ProcessInstanceDeps): Promise<DenoisedInstance> {
  // Parameters first: invalid guard options fail before any work is done.
  const params = processingParams(deps);
  const decoded = await deps.decoder.decode(input.path);
  // CR and DX images are single-frame by their IODs. A derived object of frame 0 alone would
  // silently drop the other frames, so a multi-frame object is refused instead.
  if (decoded.image.numberOfFrames > 1) {
    throw new UnsupportedImageError(`${decoded.image.numberOfFrames} frames: only single-frame radiographs are processed`);
  }
  const out = await denoiseImage(decoded.image, deps.model, {
    ...(deps.guard ? { guard: deps.guard } : {}),
    ...(deps.window ? { window: deps.window } : {}),
  });
  const { normalizeMs, inferMs, guardMs, denormalizeMs } = out.timings;
  const { header, pixelDataBytes } = sourceHeader(decoded.parsed);
  return {
    header,
    sourcePixelDataBytes: pixelDataBytes,
    source: summary(header, decoded.image),
    pixels: out.pixels,
    mapping: out.mapping,
    guard: out.guard,
    model: deps.model.info,
    params,
    paramsHash: processingParamsHash(params),
    timings: { readMs: decoded.readMs, decodeMs: decoded.decodeMs, normalizeMs, inferMs, guardMs, denormalizeMs },
  };
}

/**
 * The derived object for a denoised instance. Its UIDs depend on the source UIDs, the model
 * id and version, the processing parameters and the SOP class written, nothing else; the
 * guard's figures only label it (" GUARD" in the series description when flagged, and
 * SharpXR's private block).
 */
export function deriveInstance(denoised: DenoisedInstance, options: InstanceDeriveOptions = {}): { derived: DerivedObject; encodeMs: number } {
  const started = performance.now();
  const derived = buildDerived({
    source: denoised.header,
    pixels: denoised.pixels,
    sourcePixelDataBytes: denoised.sourcePixelDataBytes,
    provenance: {
      modelName: denoised.model.modelId, modelVersion: denoised.model.modelVersion, params: { ...denoised.params },
      guard: guardFigures(denoised.guard),
    },
    options,
  });
  return { derived, encodeMs: performance.now() - started };
}

/** The report's figures that go into the derived object (derive/tags-set.ts PRIVATE_TAGS). */
function guardFigures(g: GuardReport): GuardFigures {
  const { clippedFraction, maxChangeStored, flagged, maxClippedFraction, sigmaStored, k, strength } = g;
  return {
    clippedFraction, flagged, maxClippedFraction, k, strength,
    ...(maxChangeStored !== undefined ? { maxChangeStored } : {}),
    ...(sigmaStored !== undefined ? { sigmaStored } : {}),
  };
}

/** Decode, denoise, guard and derive one received file. */
export async function processInstance(input: { path: string }, deps: ProcessInstanceDeps): Promise<ProcessedInstanceResult> {
  const started = performance.now();
  const denoised = await denoiseInstance(input, deps);
  const { derived, encodeMs } = deriveInstance(denoised, deps.derive);
  return {
    derived,
    guard: denoised.guard,
    model: denoised.model,
    params: denoised.params,
    paramsHash: denoised.paramsHash,
    source: denoised.source,
    timings: { ...denoised.timings, encodeMs, totalMs: performance.now() - started },
  };
}

function summary(header: ParsedDicom, image: DecodedImage): SourceSummary {
  const uid = header.dataset['00080018']?.Value?.[0];
  return {
    ...(typeof uid === 'string' ? { sopInstanceUid: uid.replace(/[\0 ]+$/, '') } : {}),
    transferSyntaxUid: image.transferSyntaxUid,
    width: image.width,
    height: image.height,
    bitsStored: image.bitsStored,
    photometric: image.photometric,
  };
}
