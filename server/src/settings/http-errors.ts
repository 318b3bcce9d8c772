// Validation failures of console input as the API answers them: 400, every problem in the
// message (each starts with the field or rule path it is about) and one per line in detail.
import { HttpError } from '../http/errors.js';
import { RulesError } from '../rules/index.js';
import { ValidationError } from './validate.js';

export function toHttpError(err: unknown, what: string): unknown {
  const issues = err instanceof ValidationError ? err.issues.map((i) => i.message)
    : err instanceof RulesError ? [...err.issues] : null;
  if (!issues) return err;
  const count = issues.length === 1 ? '' : ` (${issues.length} problems)`;
  return new HttpError(400, `invalid ${what}${count}: ${issues.join('; ')}`, issues.join('\n'));
}

/** Runs `fn`, turning validation failures into 400s. */
export async function validating<T>(what: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toHttpError(err, what);
  }
}
