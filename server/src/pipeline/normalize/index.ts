// The normalize stages (issue 3, item 7): stored values <-> the model's [0, 1] MONOCHROME2
// domain, with an exact inverse. See window.ts for the mapping and why it is not clamped.
export { toModel, toModelWith, type ModelImage } from './to-model.js';
export { fromModel } from './from-model.js';
export { chooseWindow, mappingFor, DEFAULT_TAIL, type ModelMapping, type WindowOptions } from './window.js';
export { storedRange, NormalizeError, type StoredFormat, type StoredRange } from './stored.js';
