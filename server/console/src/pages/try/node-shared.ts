// The node's own modules this page runs in the browser, in one place. They are pure (no node:
// imports, no Buffer), so the in-browser engine normalizes, tiles, guards and blends with the
// very code a job runs, and its results match the node's (tests/console/console-try.test.ts).
export { blend, guardMap, pngGray, prepare, sniffKind, storedFromGray, type Blended, type Prepared, type StoredImage, type TryKind } from '../../../../src/try/steps.js';
export { decodeContainer, CONTAINER_TYPE, type NumericArray } from '../../../../src/try/container.js';
export { runTiled, tileCount, type TilePlan } from '../../../../src/pipeline/infer/tiled.js';
export { toGray, quantize, type BitDepth } from '../../../../src/imaging/gray.js';
export { DEFAULT_GUARD, type GuardOptions, type GuardReport } from '../../../../src/pipeline/guard/fidelity-guard.js';
export { chooseWindow, type ModelMapping } from '../../../../src/pipeline/normalize/window.js';
export { locateDataSet } from '../../../../src/pipeline/decode/locate.js';
export { readDataSetWith, type DcmjsReader } from '../../../../src/pipeline/decode/read-core.js';
export { readPixelAttributes } from '../../../../src/pipeline/decode/attributes.js';
export { nativeFrame } from '../../../../src/pipeline/decode/frames.js';
export { toStoredValues, type StoredPixels } from '../../../../src/pipeline/decode/pixels.js';
export { MalformedDicomError, DecodeError } from '../../../../src/pipeline/decode/errors.js';
