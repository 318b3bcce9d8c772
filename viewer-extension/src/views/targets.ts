// Which viewport a compare command acts on, and what that viewport shows: its pair (from the
// display sets' references), which half of the pair it is, and both halves' image ids.
import { DENOISED_VIEWPORT } from '../ids.js';
import { pairDisplaySets, type ComparePair } from '../derived/pairing.js';
import type { DisplaySet, ExtensionManager, ServicesManager } from '../ohif.js';
import type { Side } from './state.js';

export interface CompareTarget {
  readonly viewportId: string;
  readonly pair: ComparePair;
  /** The half of the pair the OHIF viewport itself shows. */
  readonly hostSide: Side;
  readonly imageIds: Readonly<Record<Side, string>>;
}

export class TargetError extends Error {
  override name = 'TargetError';
}

export function studyPairs(servicesManager: ServicesManager): ComparePair[] {
  return [...pairDisplaySets(servicesManager.services.displaySetService.getActiveDisplaySets()).pairs];
}

function firstImageId(extensionManager: ExtensionManager, ds: DisplaySet): string {
  const dataSource = extensionManager.getActiveDataSource?.()?.[0];
  const ids: string[] = dataSource?.getImageIdsForDisplaySet?.(ds) ?? ds.imageIds ?? [];
  const id = ids[0] ?? ds.images?.[0]?.imageId;
  if (!id) throw new TargetError(`series ${ds.SeriesInstanceUID} has no image to show`);
  return id;
}

function displayedDisplaySet(servicesManager: ServicesManager, viewportId: string): string | undefined {
  return servicesManager.services.viewportGridService.getState().viewports.get(viewportId)?.displaySetInstanceUIDs?.[0];
}

/** The viewport a command without one acts on: the active one if it shows half of a pair, else the denoised one. */
export function defaultViewportId(servicesManager: ServicesManager): string {
  const { activeViewportId } = servicesManager.services.viewportGridService.getState();
  const pairs = studyPairs(servicesManager);
  const shown = activeViewportId ? displayedDisplaySet(servicesManager, activeViewportId) : undefined;
  const inPair = pairs.some((p) => p.source.displaySetInstanceUID === shown || p.derived.displaySetInstanceUID === shown);
  return activeViewportId && inPair ? activeViewportId : DENOISED_VIEWPORT;
}

export function resolveTarget(servicesManager: ServicesManager, extensionManager: ExtensionManager, viewportId: string): CompareTarget {
  const shown = displayedDisplaySet(servicesManager, viewportId);
  if (!shown) throw new TargetError('that viewport shows no series');
  const pairs = studyPairs(servicesManager);
  const asDerived = pairs.find((p) => p.derived.displaySetInstanceUID === shown);
  const asSource = pairs.find((p) => p.source.displaySetInstanceUID === shown);
  const pair = asDerived ?? asSource;
  if (!pair) throw new TargetError('this series has no SharpXR pair to compare with');
  return {
    viewportId,
    pair,
    hostSide: asDerived ? 'denoised' : 'original',
    imageIds: { original: firstImageId(extensionManager, pair.source), denoised: firstImageId(extensionManager, pair.derived) },
  };
}
