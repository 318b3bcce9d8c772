// Builds the difference map of a pair as a Cornerstone local image (kept in Cornerstone's
// cache, one at a time) and says how to show it: the diverging colour map and a symmetric window.
import { readProvenance } from '../derived/provenance.js';
import { number } from '../derived/values.js';
import type { CornerstoneCore, CornerstoneImage } from '../ohif.js';
import { DIFFERENCE_COLORMAP, DIFFERENCE_PRESET } from './colormap.js';
import { defaultHalfWidth, signedDifference, type GrayImage } from './difference-image.js';
import type { LayerContent } from './layer.js';
import { dropLocal, installLocalImages, LOCAL_SCHEME, localModules, putLocal, type LocalGeometry } from './local-image.js';
import type { DifferenceInfo, Side } from './state.js';
import type { CompareTarget } from './targets.js';

let colormapRegistered = false;

export class DifferenceController {
  private current: string | undefined;
  private counter = 0;

  constructor(private readonly cs: CornerstoneCore) {
    installLocalImages(cs);
    if (colormapRegistered) return;
    cs.utilities.colormap.registerColormap({ ...DIFFERENCE_PRESET });
    colormapRegistered = true;
  }

  async build(target: CompareTarget, minuend: Side, subtrahend: Side, halfWidth?: number): Promise<{ content: LayerContent; info: DifferenceInfo }> {
    const [a, b] = await Promise.all([this.load(target.imageIds[minuend]), this.load(target.imageIds[subtrahend])]);
    const map = signedDifference(this.gray(a, target.imageIds[minuend]), this.gray(b, target.imageIds[subtrahend]));
    const bound = this.guardBound(target, a);
    const chosen = halfWidth !== undefined && halfWidth > 0 ? halfWidth : defaultHalfWidth(map, bound);
    const basis: DifferenceInfo['windowBasis'] = halfWidth ? 'set by the reader' : bound ? 'guard bound' : map.robustSigma > 0 ? '4 robust deviations' : 'largest difference';
    const imageId = this.store(map.data, a, target.imageIds[minuend], chosen);
    return {
      content: {
        imageId,
        followVoi: false,
        properties: { voiRange: { lower: -chosen, upper: chosen }, colormap: { name: DIFFERENCE_COLORMAP }, invert: false },
      },
      info: { halfWidth: chosen, robustSigma: map.robustSigma, maxAbs: map.maxAbs, windowBasis: basis, minuend, subtrahend },
    };
  }

  clear(): void {
    if (!this.current) return;
    dropLocal(this.current);
    try {
      this.cs.cache.removeImageLoadObject(this.current);
    } catch {
      // Already evicted by Cornerstone's cache: nothing to free.
    }
    this.current = undefined;
  }

  private load(imageId: string): Promise<CornerstoneImage> {
    return this.cs.cache.getImage(imageId) ? Promise.resolve(this.cs.cache.getImage(imageId)!) : this.cs.imageLoader.loadAndCacheImage(imageId);
  }

  private gray(image: CornerstoneImage, imageId: string): GrayImage {
    const pixel = this.cs.metaData.get('imagePixelModule', imageId) ?? {};
    const photometric = String(pixel.photometricInterpretation ?? image.photometricInterpretation ?? 'MONOCHROME2');
    const prescaled = !!image.preScale?.scaled;
    return {
      width: image.columns,
      height: image.rows,
      data: image.voxelManager?.getScalarData() ?? image.getPixelData(),
      slope: image.slope ?? 1,
      intercept: image.intercept ?? 0,
      prescaled,
      monochrome1: photometric === 'MONOCHROME1',
    };
  }

  /** k × the image's noise level, in modality units, when the derived object states both. */
  private guardBound(target: CompareTarget, image: CornerstoneImage): number | undefined {
    const derived = target.pair.derived.instances?.[0] ?? target.pair.derived.instance;
    if (!derived) return undefined;
    const { noiseSigma, k } = readProvenance(derived).guard;
    if (noiseSigma === undefined || k === undefined) return undefined;
    const slope = number(derived.RescaleSlope) ?? image.slope ?? 1;
    return Math.abs(noiseSigma * k * slope) || undefined;
  }

  private store(data: Float32Array, like: CornerstoneImage, likeId: string, halfWidth: number): string {
    this.clear();
    const imageId = `${LOCAL_SCHEME}:${++this.counter}`;
    const plane = this.cs.metaData.get('imagePlaneModule', likeId) ?? {};
    // Same geometry as the image it is drawn over, so the two share one camera.
    const g: LocalGeometry = {
      rows: like.rows,
      columns: like.columns,
      spacing: [like.columnPixelSpacing || plane.columnPixelSpacing || 1, like.rowPixelSpacing || plane.rowPixelSpacing || 1],
      origin: plane.imagePositionPatient ?? [0, 0, 0],
      rowCosines: plane.rowCosines ?? [1, 0, 0],
      columnCosines: plane.columnCosines ?? [0, 1, 0],
      frameOfReferenceUID: plane.frameOfReferenceUID,
    };
    const image = this.cs.imageLoader.createAndCacheLocalImage(imageId, {
      scalarData: data,
      dimensions: [g.columns, g.rows],
      spacing: [...g.spacing],
      origin: [...g.origin],
      direction: [...g.rowCosines, ...g.columnCosines],
      frameOfReferenceUID: g.frameOfReferenceUID,
    });
    putLocal(this.cs, imageId, image, localModules(g, halfWidth));
    this.current = imageId;
    return imageId;
  }
}
