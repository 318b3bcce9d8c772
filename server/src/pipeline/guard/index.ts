// The fidelity guard (issue 3, item 8): the image's own noise level, and every pixel's change
// bounded to k times it, with a report per image. Defaults and their measurements: see
// fidelity-guard.ts (DEFAULT_GUARD).
export { estimateNoise, selectInPlace, type NoiseEstimate } from './noise-estimate.js';
export {
  applyGuard, guardWithSigma, checkGuardOptions, DEFAULT_GUARD, GUARD_MARK, GuardError,
  type GuardDecision, type GuardOptions, type GuardPolicy, type GuardReport, type GuardResult,
} from './fidelity-guard.js';
