// What a SharpXR derived object says about itself, read from its own DICOM attributes (never
// guessed from the series description): is it ours, what it was derived from, which model made
// it, and what the fidelity guard measured. The node writes these in server/src/derive/tags-set.ts.
import { items, number, privateValue, text, texts, type Dataset } from './values.js';

export const SHARPXR_MANUFACTURER = 'SharpXR';
export const SHARPXR_PRIVATE_CREATOR = 'SHARPXR 1';
const PRIVATE_GROUP = 0x0071;

export interface SourceReference {
  /** SourceImageSequence: the exact source instances. */
  readonly sopInstanceUids: readonly string[];
  /** ReferencedSeriesSequence: the source series. */
  readonly seriesInstanceUids: readonly string[];
}

export interface GuardFigures {
  /** Fraction (0..1) of pixels whose change hit the bound. */
  readonly clippedFraction?: number;
  /** Largest change the model proposed, in stored pixel units. */
  readonly maxChange?: number;
  readonly flagged?: boolean;
  /** The fraction above which an image is flagged. */
  readonly threshold?: number;
  /** The image's own noise level, stored units. */
  readonly noiseSigma?: number;
  readonly k?: number;
  readonly strength?: number;
}

export interface Provenance {
  readonly modelName?: string;
  readonly modelVersion?: string;
  readonly softwareVersion?: string;
  readonly derivationDescription?: string;
  readonly imageComments?: string;
  readonly parameters?: string;
  readonly guard: GuardFigures;
  readonly contributionDateTime?: string;
}

const privateOf = (ds: Dataset, offset: number): unknown => privateValue(ds, PRIVATE_GROUP, SHARPXR_PRIVATE_CREATOR, offset);

function ourEquipment(ds: Dataset): Dataset | undefined {
  return items(ds.ContributingEquipmentSequence).find((it) => text(it.Manufacturer) === SHARPXR_MANUFACTURER);
}

/** True for an object SharpXR derived: DERIVED image type and SharpXR among the contributing equipment (or our private block). */
export function isSharpXRDerived(ds: Dataset): boolean {
  const imageType = texts(ds.ImageType).map((s) => s.toUpperCase());
  if (!imageType.includes('DERIVED')) return false;
  return ourEquipment(ds) !== undefined || privateValue(ds, PRIVATE_GROUP, SHARPXR_PRIVATE_CREATOR, 0x08) !== undefined;
}

export function sourceReference(ds: Dataset): SourceReference {
  const sopInstanceUids = items(ds.SourceImageSequence).map((it) => text(it.ReferencedSOPInstanceUID)).filter((s): s is string => !!s);
  const seriesInstanceUids = items(ds.ReferencedSeriesSequence).map((it) => text(it.SeriesInstanceUID)).filter((s): s is string => !!s);
  return { sopInstanceUids, seriesInstanceUids };
}

function flag(v: unknown): boolean | undefined {
  const s = text(v)?.toUpperCase();
  return s === 'YES' ? true : s === 'NO' ? false : undefined;
}

export function readProvenance(ds: Dataset): Provenance {
  const equipment = ourEquipment(ds);
  const versions = texts(equipment?.SoftwareVersions);
  const modelName = text(privateOf(ds, 0x08)) ?? text(equipment?.ManufacturerModelName);
  // SoftwareVersions is ["SharpXR <node version>", "<model name> <model version>"].
  const modelFromVersions = versions[1] && modelName && versions[1].startsWith(`${modelName} `) ? versions[1].slice(modelName.length + 1) : undefined;
  return {
    modelName,
    modelVersion: text(privateOf(ds, 0x09)) ?? modelFromVersions,
    softwareVersion: versions[0],
    derivationDescription: text(ds.DerivationDescription),
    imageComments: text(ds.ImageComments),
    parameters: text(privateOf(ds, 0x0a)),
    contributionDateTime: text(equipment?.ContributionDateTime),
    guard: {
      clippedFraction: number(privateOf(ds, 0x01)),
      maxChange: number(privateOf(ds, 0x02)),
      // Objects from before the private block say a tripped guard only in DerivationDescription.
      flagged: flag(privateOf(ds, 0x03)) ?? (text(ds.DerivationDescription)?.includes('fidelity guard tripped') || undefined),
      threshold: number(privateOf(ds, 0x04)),
      noiseSigma: number(privateOf(ds, 0x05)),
      k: number(privateOf(ds, 0x06)),
      strength: number(privateOf(ds, 0x07)),
    },
  };
}
