// The derive stage (issue 3, items 5 and 9): a clearly labelled derived DICOM object from a
// source data set and denoised pixels, with deterministic UIDs.
export {
  buildDerived, clockStrings, DeriveError, SHARPXR_VERSION, SHARPXR_IMPLEMENTATION_VERSION_NAME,
  type BuildDerivedInput, type DerivedObject, type DeriveOptions, type Provenance,
} from './derive.js';
export {
  SHARPXR_UID_NAMESPACE, SHARPXR_IMPLEMENTATION_CLASS_UID, UID_PATTERN, canonicalJson, derivedSeriesInstanceUid,
  derivedSopInstanceUid, isValidUid, uuidToUid, uuidV5, type DerivationKey,
} from './uids.js';
export { COPIED_GROUPS, COPIED_TAGS, type CopiedGroup, type CopiedTag } from './tags-copied.js';
export {
  PRIVATE_TAGS, SET_TAGS, SECONDARY_CAPTURE_SOP_CLASS, SHARPXR_PRIVATE_CREATOR, NOT_FOR_DIAGNOSTIC_USE, seriesDescription, seriesNumber,
  type GuardFigures, type SetTag,
} from './tags-set.js';
export { DERIVATION_SMOOTHING, PURPOSE_PROCESSING_EQUIPMENT, PURPOSE_SOURCE_IMAGE, PURPOSE_SOURCE_SERIES } from './codes.js';
export { repairDate, repairTime } from './repair.js';
export { DicomWriteError, EXPLICIT_VR_LITTLE_ENDIAN } from './writer.js';
export type { SourceInput, NaturalizedDataset } from './source.js';
export { isPrivateTag, type Code } from './dataset.js';
export { pixelDataBytes } from './lossy.js';
