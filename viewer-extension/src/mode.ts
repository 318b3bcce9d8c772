// The `sharpxr-compare` mode: OHIF's basic viewer (its tools, toolbar and layout, loaded from the
// bundled @ohif/mode-basic) with the compare hanging protocol, the SharpXR panel on the right and
// the compare shortcuts. Opened as /viewer/sharpxr-compare?StudyInstanceUIDs=<uid>.
// Runtime extensions must not be listed in a mode's `extensions` (OHIF then shows a blank page):
// ours is loaded by the app config and found by its module ids.
import { HANGING_PROTOCOL_ID, MODE_ID, PANEL_ID } from './ids.js';
import type { ExtensionParams } from './ohif.js';
import { hotkeyBindings } from './panel/shortcuts.js';
import { endSession, startSession } from './session.js';
import { studyHasDerived } from './study-index.js';

const COMPARABLE = ['CR', 'DX'];

export function isValidMode({ modalities, study }: { modalities?: string; study?: { studyInstanceUid?: string } }) {
  const list = String(modalities ?? '').split(/[\\/,]/).map((m) => m.trim().toUpperCase());
  if (!list.some((m) => COMPARABLE.includes(m))) return { valid: false, description: 'SharpXR compare opens chest radiographs (CR or DX) only' };
  if (studyHasDerived(study?.studyInstanceUid) === false) {
    return { valid: false, description: 'No SharpXR denoised series in this study yet' };
  }
  return { valid: true, description: 'Original and SharpXR denoised series side by side' };
}

async function modeFactory({ loadModules }: { loadModules: (names: string[]) => Promise<any[]> }) {
  const [basic] = await loadModules(['@ohif/mode-basic']);
  const base = basic.modeInstance;
  const baseRoute = base.routes[0];
  const layoutInstance = {
    ...baseRoute.layoutInstance,
    props: { ...baseRoute.layoutInstance.props, rightPanels: [PANEL_ID], rightPanelClosed: false, rightPanelInitialExpandedWidth: 320 },
  };
  return {
    ...base,
    id: MODE_ID,
    routeName: MODE_ID,
    displayName: 'SharpXR compare',
    hide: false,
    hangingProtocol: [HANGING_PROTOCOL_ID],
    isValidMode,
    routes: [{ ...baseRoute, path: MODE_ID, layoutInstance }],
    onModeEnter(this: any, params: ExtensionParams) {
      base.onModeEnter.call(this, params);
      const { customizationService } = params.servicesManager.services;
      customizationService.setCustomizations({ 'ohif.hotkeyBindings': { $push: hotkeyBindings() } });
      const s = startSession(params.servicesManager, params.extensionManager);
      (window as unknown as { sharpxrViewer: unknown }).sharpxrViewer = { session: s, servicesManager: params.servicesManager, commandsManager: params.commandsManager };
    },
    onModeExit(this: any, params: ExtensionParams) {
      endSession();
      base.onModeExit.call(this, params);
    },
  };
}

export default {
  id: MODE_ID,
  modeFactory,
  extensionDependencies: {},
};
