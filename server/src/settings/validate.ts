// Console input is validated by the config file's own parser (parseNodeConfig), so a value the
// console accepts is exactly a value the config file would accept, with the same message
// ("dicom.aeTitle: ... is not an AE title"). Nothing here re-implements a rule.
//
// The Reader stops at the first problem; to show every wrong field of a form at once, each
// field is also checked alone, next to known-good placeholders for the others.
import { ConfigError, parseNodeConfig, type DestinationConfig, type NodeConfig } from '../config/index.js';

/** One problem, named by the field it is about (for the form) and the config file's message. */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(readonly issues: readonly FieldIssue[]) {
    super(issues.map((i) => i.message).join('; '));
  }
}

/** parseNodeConfig needs a model path, else it would look for the shipped manifest. */
const MODEL_PLACEHOLDER = { path: '/validation-only.onnx' };

/** Parses a config fragment as the file would be; throws ConfigError with the key's path. */
export function parseFragment(fragment: Record<string, unknown>, base: string): NodeConfig {
  return parseNodeConfig({ model: MODEL_PLACEHOLDER, ...fragment }, base, {});
}

const DESTINATION_FIELDS = ['name', 'aeTitle', 'host', 'port', 'secondaryCapture'] as const;
const PLACEHOLDER: Record<(typeof DESTINATION_FIELDS)[number], unknown> = {
  name: 'placeholder', aeTitle: 'PLACEHOLDER', host: 'placeholder', port: 104, secondaryCapture: false,
};

export type DestinationInput = Partial<Record<(typeof DESTINATION_FIELDS)[number], unknown>>;

/** A destination as the config file's `destinations:` list would take it. */
export function validateDestination(input: DestinationInput): DestinationConfig {
  const candidate = pickDefined(input);
  try {
    return parseFragment({ destinations: [candidate] }, '/').destinations[0]!;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
  }
  const issues: FieldIssue[] = [];
  for (const field of DESTINATION_FIELDS) {
    const alone = { ...PLACEHOLDER, [field]: candidate[field] };
    if (candidate[field] === undefined) delete alone[field];
    try {
      parseFragment({ destinations: [alone] }, '/');
    } catch (err) {
      if (err instanceof ConfigError) issues.push({ field, message: stripListPrefix(err.message) });
      else throw err;
    }
  }
  // Every field passed alone but not together: cannot happen today; never lose the message.
  if (issues.length === 0) issues.push({ field: 'destination', message: 'invalid destination' });
  throw new ValidationError(issues);
}

function pickDefined(input: DestinationInput): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of DESTINATION_FIELDS) if (input[field] !== undefined) out[field] = input[field];
  return out;
}

/** "destinations[0].port: expected ..." -> "port: expected ..." (the form has one destination). */
function stripListPrefix(message: string): string {
  return message.replace(/^destinations\[0\]\./, '');
}
