// Which received instances are denoised (issue 3): declarative rules, validated at start.
export { parseRules } from './parse.js';
export { selectInstance, matches } from './select.js';
export { explainSelection, type Explanation, type RuleCheck } from './explain.js';
export { DEFAULT_RULES, DEFAULT_RULES_CONFIG } from './defaults.js';
export { RulesError, type RuleSet, type RuleSubject, type Selection, type SelectionRule, type ValueList } from './types.js';
