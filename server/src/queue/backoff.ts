// Retry delays: exponential from a base, capped, with jitter so that jobs failing together
// (a destination down for everyone) do not come back together.

export interface BackoffOptions {
  /** Delay after the first failed attempt. */
  readonly baseMs: number;
  readonly factor: number;
  /** Cap on the delay before jitter. */
  readonly maxMs: number;
  /** Relative spread: 0.1 puts the delay uniformly within ±10% of the capped value. */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 5_000, factor: 2, maxMs: 600_000, jitter: 0.1 };

/**
 * Delay before the next attempt after `attempt` (1-based) failed: base * factor^(attempt-1),
 * capped at maxMs, then spread by ±jitter. Jitter applies after the cap on purpose: jobs that
 * all reached the cap would otherwise retry in lockstep.
 * `random` returns [0, 1) like Math.random (injectable for tests).
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const raw = options.baseMs * options.factor ** exponent;
  const capped = Math.min(options.maxMs, Number.isFinite(raw) ? raw : options.maxMs);
  const spread = 1 + options.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(capped * spread));
}
