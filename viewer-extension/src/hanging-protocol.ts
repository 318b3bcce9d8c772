// The compare hanging protocol: original | denoised in a 1x2 grid, window/level and zoom/pan
// synchronized. Which display set is which comes from the references the derived object carries
// (the PAIR_ATTRIBUTE custom attribute, see derived/pairing.ts), never from descriptions.
// `cameraPosition` sync blanks 2D stack viewports in OHIF 3.13: voi + zoompan it is.
import { DENOISED_VIEWPORT, HANGING_PROTOCOL_ID, ORIGINAL_VIEWPORT, PAIR_ATTRIBUTE } from './ids.js';

export const SYNC_GROUPS = [
  { type: 'voi', id: 'sharpxr-voi', source: true, target: true, options: { syncColormap: false, syncInvertState: false } },
  { type: 'zoompan', id: 'sharpxr-zoompan', source: true, target: true },
];

function viewport(viewportId: string, displaySetId: string) {
  return {
    viewportOptions: { viewportId, viewportType: 'stack', toolGroupId: 'default', allowUnmatchedView: true, syncGroups: SYNC_GROUPS },
    displaySets: [{ id: displaySetId }],
  };
}

/** Pair `index` of the study: 0 is what the mode opens with; the panel switches pairs itself. */
const role = (kind: 'source' | 'derived', index = 0) => ({ attribute: PAIR_ATTRIBUTE, constraint: { equals: { value: `${kind}:${index}` } } });

export const compareProtocol = {
  id: HANGING_PROTOCOL_ID,
  name: 'SharpXR: original | denoised',
  description: 'A chest radiograph and the SharpXR series derived from it, side by side and synchronized',
  protocolMatchingRules: [{ attribute: 'StudyInstanceUID', constraint: { notNull: true }, weight: 1 }],
  toolGroupIds: ['default'],
  displaySetSelectors: {
    // Without a pair (a study with no SharpXR series) the left viewport still shows the study's
    // first image, and the panel says plainly that there is nothing to compare.
    originalDisplaySet: {
      seriesMatchingRules: [{ ...role('source'), weight: 100 }, { attribute: 'numImageFrames', constraint: { greaterThan: { value: 0 } }, weight: 1 }],
    },
    denoisedDisplaySet: { seriesMatchingRules: [{ ...role('derived'), required: true }] },
  },
  defaultViewport: {
    viewportOptions: { viewportType: 'stack', toolGroupId: 'default', allowUnmatchedView: true },
    displaySets: [{ id: 'originalDisplaySet', matchedDisplaySetsIndex: -1 }],
  },
  stages: [
    {
      id: 'compare',
      name: 'original | denoised',
      viewportStructure: { layoutType: 'grid', properties: { rows: 1, columns: 2 } },
      viewports: [viewport(ORIGINAL_VIEWPORT, 'originalDisplaySet'), viewport(DENOISED_VIEWPORT, 'denoisedDisplaySet')],
    },
  ],
};

export function getHangingProtocolModule() {
  return [{ name: HANGING_PROTOCOL_ID, protocol: compareProtocol }];
}
