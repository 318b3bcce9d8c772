// The default rule set: chest radiographs, and nothing else.
//
// - "chest": CR or DX with Body Part Examined CHEST (the DICOM defined term; compared
//   case-insensitively and trimmed).
// - "chest-view-no-body-part": CR or DX without any Body Part Examined but with a chest-style
//   View Position: PA, AP, the lateral defined terms LL and RL, and the non-standard LAT and
//   LATERAL that some modalities write. Without a body part an AP could in principle be
//   another region; a sender that labels its extremities (HAND, KNEE...) is never affected,
//   since its body part is not empty. Sites whose modalities write e.g. THORAX add a rule.

import { parseRules } from './parse.js';
import type { RuleSet } from './types.js';

export const DEFAULT_RULES_CONFIG = [
  { name: 'chest', modality: ['CR', 'DX'], bodyPartExamined: ['CHEST'] },
  {
    name: 'chest-view-no-body-part',
    modality: ['CR', 'DX'],
    bodyPartExamined: [''],
    viewPosition: ['PA', 'AP', 'LL', 'RL', 'LAT', 'LATERAL'],
  },
] as const;

export const DEFAULT_RULES: RuleSet = parseRules(DEFAULT_RULES_CONFIG);
