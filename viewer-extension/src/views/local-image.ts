// The difference map is an image no server has: Cornerstone's stack viewport still asks the
// metadata registry about it (pixel module, VOI, modality, plane) before it draws, and asks its
// image loader for the pixels. Both are answered here for the `sharpxr-difference:` scheme, with
// the geometry of the image it is drawn over so the two share one camera.
import type { CornerstoneCore, CornerstoneImage } from '../ohif.js';

export const LOCAL_SCHEME = 'sharpxr-difference';

interface LocalEntry {
  readonly image: CornerstoneImage;
  readonly modules: Readonly<Record<string, unknown>>;
}

const entries = new Map<string, LocalEntry>();
let installed = false;

/** Registers the loader and metadata provider once per page (Cornerstone is a page singleton). */
export function installLocalImages(cs: CornerstoneCore): void {
  if (installed) return;
  installed = true;
  cs.imageLoader.registerImageLoader(LOCAL_SCHEME, (imageId) => {
    const entry = entries.get(imageId);
    return { promise: entry ? Promise.resolve(entry.image) : Promise.reject(new Error(`${imageId} is no longer available`)) };
  });
  // Priority above OHIF's DICOMweb provider: our ids are ours alone, theirs never start so.
  cs.metaData.addProvider((type: string, imageId: string) => entries.get(imageId)?.modules[type], 10000);
}

export interface LocalGeometry {
  readonly rows: number;
  readonly columns: number;
  /** [column spacing, row spacing] in mm. */
  readonly spacing: readonly [number, number];
  readonly origin: readonly number[];
  readonly rowCosines: readonly number[];
  readonly columnCosines: readonly number[];
  readonly frameOfReferenceUID?: string | undefined;
}

/** Metadata modules for a float image in modality units, windowed symmetrically around 0. */
export function localModules(g: LocalGeometry, halfWidth: number): Record<string, unknown> {
  const [columnPixelSpacing, rowPixelSpacing] = g.spacing;
  return {
    imagePixelModule: {
      samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME2', rows: g.rows, columns: g.columns,
      bitsAllocated: 32, bitsStored: 32, highBit: 31, pixelRepresentation: 1,
    },
    voiLutModule: { windowCenter: [0], windowWidth: [2 * halfWidth] },
    modalityLutModule: { rescaleSlope: 1, rescaleIntercept: 0, rescaleType: 'US' },
    generalSeriesModule: { modality: 'OT' },
    imagePlaneModule: {
      rows: g.rows, columns: g.columns, rowPixelSpacing, columnPixelSpacing, pixelSpacing: [rowPixelSpacing, columnPixelSpacing],
      imagePositionPatient: [...g.origin], rowCosines: [...g.rowCosines], columnCosines: [...g.columnCosines],
      imageOrientationPatient: [...g.rowCosines, ...g.columnCosines], frameOfReferenceUID: g.frameOfReferenceUID,
      sliceThickness: 1, sliceLocation: 0,
    },
  };
}

/** Keeps the image for the loader; it is complete, which Cornerstone's progressive retrieval
 * checks (an image without the status is reported as "Couldn't decode" though it is drawn). */
export function putLocal(cs: CornerstoneCore, imageId: string, image: CornerstoneImage, modules: Record<string, unknown>): void {
  image.imageQualityStatus = cs.Enums.ImageQualityStatus?.FULL_RESOLUTION ?? 8;
  entries.set(imageId, { image, modules });
}

export function dropLocal(imageId: string): void {
  entries.delete(imageId);
}
