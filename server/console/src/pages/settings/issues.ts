// The node's validation answers, split for forms. A 400 from the settings side says
// "invalid <what> (n problems): a: …; b: …" and repeats the problems one per line in `detail`,
// each starting with the field or rule path it is about; login/users errors are one
// "field: message". Pages put each problem next to its field, word for word, and show the
// ones no field claims in a banner.
import { ApiError } from '../../api.js';

/** Every problem the API listed (the message itself when it listed none). */
export function issuesOf(error: Error | undefined): string[] {
  if (!error) return [];
  const detail = error instanceof ApiError ? error.detail : undefined;
  if (typeof detail === 'string' && detail.trim()) return detail.split('\n').map((l) => l.trim()).filter(Boolean);
  if (Array.isArray(detail)) return detail.map((d) => (typeof d === 'string' ? d : JSON.stringify(d)));
  return [error.message];
}

export interface SplitIssues<F extends string> {
  /** The problem for each field (several joined with "; "). */
  readonly fields: Partial<Record<F, string>>;
  /** Problems no field claimed. */
  readonly rest: string[];
}

/**
 * Assigns each problem to the field whose path it starts with. `paths` maps a field to the
 * path prefixes its messages use ("port", "dicom.port", "rules[0].modality").
 */
export function splitIssues<F extends string>(error: Error | undefined, paths: Readonly<Record<F, readonly string[]>>): SplitIssues<F> {
  const fields: Partial<Record<F, string>> = {};
  const rest: string[] = [];
  for (const issue of issuesOf(error)) {
    const field = (Object.keys(paths) as F[]).find((f) => paths[f].some((p) => startsWithPath(issue, p)));
    if (field === undefined) rest.push(issue);
    else fields[field] = fields[field] ? `${fields[field]}; ${issue}` : issue;
  }
  return { fields, rest };
}

/** "port: …", "port[0]: …" and "port.x: …" are about `port`; "portal: …" is not. */
export function startsWithPath(issue: string, path: string): boolean {
  if (!issue.startsWith(path)) return false;
  const next = issue.charAt(path.length);
  return next === ':' || next === '.' || next === '[' || next === ' ';
}

/** The error a banner should still show once the fields have their problems. */
export function leftover(error: Error | undefined, rest: readonly string[]): Error | undefined {
  if (!error) return undefined;
  if (rest.length === 0) return undefined;
  if (rest.length === 1 && rest[0] === error.message) return error;
  const status = error instanceof ApiError ? error.status : 0;
  return rest.length === 1 ? new ApiError(status, rest[0]!) : new ApiError(status, `${rest.length} problems:`, rest);
}
