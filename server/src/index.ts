// Public API of @sharpxr/server. Data flow, as later stages land:
// ingest -> queue -> pipeline (infer, ...) -> derive -> export.
export * from './config/index.js';
export * from './imaging/index.js';
export * from './pipeline/infer/index.js';
export * from './pipeline/decode/index.js';
export * from './pipeline/normalize/index.js';
export * from './pipeline/guard/index.js';
export * from './pipeline/denoise-image.js';
export * from './derive/index.js';
export { main } from './cli/index.js';
export * from './pipeline/model-info.js';
export * from './pipeline/process-params.js';
export * from './pipeline/process-instance.js';
export * from './pipeline/write-derived.js';
