// Coded concepts the derived object carries. All from DICOM PS3.16 (Content Mapping Resource):
// the codes are defined in Annex D "DICOM Controlled Terminology Definitions" (scheme DCM) and
// used here from the context groups named with each. Looked up in the context group tables of
// PS3.16 as packaged by pydicom (src/pydicom/sr/_cid_dict.py and _concepts_dict.py, generated
// from the standard).

import type { Code } from './dataset.js';

/**
 * DerivationCodeSequence (0008,9215), CID 7203 "Image Derivation". CID 7203 has no concept
 * for noise reduction or denoising (its members are Spatial resampling 113085, Edge
 * enhancement 113086, Smoothing 113087, Gaussian blur 113088, Unsharp mask 113089, Lossy
 * Compression 113040, the pixel-by-pixel operations, projections, reformatting, ...); a
 * learned denoiser suppresses noise, which is what smoothing means there, so Smoothing is the
 * closest member. DerivationDescription says exactly what was done.
 */
export const DERIVATION_SMOOTHING: Code = { value: '113087', scheme: 'DCM', meaning: 'Smoothing' };

/** SourceImageSequence > PurposeOfReferenceCodeSequence, CID 7202 "Source Image Purpose of Reference". */
export const PURPOSE_SOURCE_IMAGE: Code = { value: '121322', scheme: 'DCM', meaning: 'Source image for image processing operation' };

/** RelatedSeriesSequence > PurposeOfReferenceCodeSequence, CID 7210 "Related Series Purpose of Reference". */
export const PURPOSE_SOURCE_SERIES: Code = { value: '121323', scheme: 'DCM', meaning: 'Source series for image processing operation' };

/**
 * ContributingEquipmentSequence > PurposeOfReferenceCodeSequence, CID 7005 "Contributing
 * Equipment Purpose of Reference". Processing Equipment (109102) is equipment that processed
 * composite instances to create new ones; Modifying Equipment (109103) is for equipment that
 * changes instances without creating new ones (a QA station, an archive). SharpXR creates new
 * instances, so 109102.
 */
export const PURPOSE_PROCESSING_EQUIPMENT: Code = { value: '109102', scheme: 'DCM', meaning: 'Processing Equipment' };
