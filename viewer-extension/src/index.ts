// SharpXR's OHIF extension, loaded by OHIF at run time from /viewer/sharpxr/index.js (listed in
// the app config's `extensions`). Modules, one file each: hanging protocol, commands, panel. The
// mode (mode.ts) composes them with OHIF's basic viewer.
import { getCommandsModule } from './commands.js';
import { pairDisplaySets, pairRole, type ComparePair } from './derived/pairing.js';
import { getHangingProtocolModule } from './hanging-protocol.js';
import { EXTENSION_ID, PAIR_ATTRIBUTE, PANEL_NAME } from './ids.js';
import { setApiRoot } from './node-api.js';
import type { DisplaySet, ExtensionParams } from './ohif.js';
import { installHttpErrorHandler } from './pacs-error.js';
import { ComparePanel } from './panel/panel.js';
import { reactHost } from './react-host.js';
import { startStudyIndex } from './study-index.js';

/** Pairs per list of study display sets: the hanging protocol asks once per display set. */
const pairCache = new WeakMap<readonly DisplaySet[], readonly ComparePair[]>();

function pairsOf(displaySets: readonly DisplaySet[]): readonly ComparePair[] {
  let pairs = pairCache.get(displaySets);
  if (!pairs) {
    pairs = pairDisplaySets(displaySets).pairs;
    pairCache.set(displaySets, pairs);
  }
  return pairs;
}

const extension = {
  id: EXTENSION_ID,

  async preRegistration({ servicesManager, appConfig }: ExtensionParams): Promise<void> {
    setApiRoot(appConfig?.sharpxr?.apiRoot);
    installHttpErrorHandler();
    servicesManager.services.hangingProtocolService.addCustomAttribute(PAIR_ATTRIBUTE, 'SharpXR pair role', (displaySet, options) =>
      pairRole(displaySet, pairsOf(options?.displaySets ?? [displaySet])));
    // Which studies have a SharpXR series, for the study list; never holds up the viewer.
    await Promise.race([startStudyIndex(), new Promise((r) => setTimeout(r, 2000))]);
  },

  getHangingProtocolModule,
  getCommandsModule,

  getPanelModule({ commandsManager }: ExtensionParams) {
    return [{
      name: PANEL_NAME,
      iconName: 'tab-linear',
      iconLabel: 'SharpXR',
      label: 'SharpXR',
      component: reactHost(new ComparePanel(commandsManager), 'sharpxr-panel h-full'),
    }];
  },
};

export default extension;
