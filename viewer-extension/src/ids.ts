// Names other OHIF modules use to find ours: `${EXTENSION_ID}.${moduleType}.${name}`.
export const EXTENSION_ID = 'sharpxr';
export const MODE_ID = 'sharpxr-compare';
export const HANGING_PROTOCOL_ID = 'sharpxr.compare';
export const PANEL_NAME = 'compare';
export const PANEL_ID = `${EXTENSION_ID}.panelModule.${PANEL_NAME}`;
/** Hanging-protocol custom attribute: 'source:<n>' / 'derived:<n>' for the n-th pair of a study. */
export const PAIR_ATTRIBUTE = 'sharpxrPairRole';
/** The viewports of the compare layout (left original, right denoised). */
export const ORIGINAL_VIEWPORT = 'sharpxr-original';
export const DENOISED_VIEWPORT = 'sharpxr-denoised';
export const CORNERSTONE_UTILITY = '@ohif/extension-cornerstone.utilityModule.common';
