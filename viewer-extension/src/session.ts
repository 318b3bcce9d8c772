// The compare session of the mode currently open: its views, and the study's pairs. Commands,
// hotkeys and the panel all go through it; it is created on mode enter and destroyed on exit.
import { CORNERSTONE_UTILITY, DENOISED_VIEWPORT, ORIGINAL_VIEWPORT } from './ids.js';
import type { ComparePair } from './derived/pairing.js';
import type { CornerstoneCore, ExtensionManager, ServicesManager } from './ohif.js';
import { CompareViews } from './views/compare-views.js';
import { studyPairs } from './views/targets.js';

export class CompareSession {
  readonly views: CompareViews;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly listeners = new Set<() => void>();
  /** The pair on screen (index into pairs()). */
  pairIndex = 0;

  constructor(readonly servicesManager: ServicesManager, readonly extensionManager: ExtensionManager) {
    const cs = extensionManager.getModuleEntry(CORNERSTONE_UTILITY).exports.getCornerstoneLibraries().cornerstone as CornerstoneCore;
    this.views = new CompareViews(cs, servicesManager, extensionManager);
    const { displaySetService, viewportGridService, cornerstoneViewportService } = servicesManager.services;
    const changed = (): void => this.emit();
    for (const [service, event] of [
      [displaySetService, displaySetService.EVENTS.DISPLAY_SETS_ADDED],
      [displaySetService, displaySetService.EVENTS.DISPLAY_SETS_CHANGED],
      [viewportGridService, viewportGridService.EVENTS.ACTIVE_VIEWPORT_ID_CHANGED],
      [viewportGridService, viewportGridService.EVENTS.GRID_STATE_CHANGED],
    ] as const) {
      if (event) this.unsubscribe.push(service.subscribe(event, changed).unsubscribe);
    }
    // A viewport given another series (or re-rendered) loses its compare view: it would compare the wrong images.
    const dataChanged = cornerstoneViewportService.EVENTS.VIEWPORT_DATA_CHANGED;
    if (dataChanged) {
      this.unsubscribe.push(cornerstoneViewportService.subscribe(dataChanged, (e: { viewportId?: string }) => {
        if (e?.viewportId) this.views.detach(e.viewportId);
        this.emit();
      }).unsubscribe);
    }
    this.unsubscribe.push(this.views.store.subscribe(changed));
  }

  pairs(): ComparePair[] {
    return studyPairs(this.servicesManager);
  }

  /** Puts pair `index` into the two viewports (original left, denoised right). */
  showPair(index: number): boolean {
    const pair = this.pairs()[index];
    if (!pair) return false;
    this.pairIndex = index;
    this.views.detach(ORIGINAL_VIEWPORT);
    this.views.detach(DENOISED_VIEWPORT);
    this.servicesManager.services.viewportGridService.setDisplaySetsForViewports([
      { viewportId: ORIGINAL_VIEWPORT, displaySetInstanceUIDs: [pair.source.displaySetInstanceUID] },
      { viewportId: DENOISED_VIEWPORT, displaySetInstanceUIDs: [pair.derived.displaySetInstanceUID] },
    ]);
    this.emit();
    return true;
  }

  /** The pair shown in the compare viewports, if any. */
  shownPair(): ComparePair | undefined {
    const state = this.servicesManager.services.viewportGridService.getState();
    const right = state.viewports.get(DENOISED_VIEWPORT)?.displaySetInstanceUIDs?.[0];
    const left = state.viewports.get(ORIGINAL_VIEWPORT)?.displaySetInstanceUIDs?.[0];
    const pairs = this.pairs();
    return pairs.find((p) => p.derived.displaySetInstanceUID === right) ?? pairs.find((p) => p.source.displaySetInstanceUID === left);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  destroy(): void {
    for (const off of this.unsubscribe) off();
    this.views.destroy();
    this.listeners.clear();
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}

let current: CompareSession | undefined;

export function startSession(servicesManager: ServicesManager, extensionManager: ExtensionManager): CompareSession {
  current?.destroy();
  current = new CompareSession(servicesManager, extensionManager);
  return current;
}

export function endSession(): void {
  current?.destroy();
  current = undefined;
}

export function session(): CompareSession | undefined {
  return current;
}
