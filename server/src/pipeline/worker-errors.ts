// How an error thrown in the pipeline's child process (pipeline-worker-entry.ts) reaches the
// node as the same class. The IPC channel's structured clone keeps an Error's message but not
// its class, so errors travel as {name, message, ...} and are rebuilt here by name: the
// caller's `instanceof MalformedDicomError` (permanent, not worth a retry) or
// `instanceof ModelContractError` keeps working.

import { DecodeError, MalformedDicomError, UnsupportedImageError, UnsupportedTransferSyntaxError } from './decode/index.js';
import { GuardError } from './guard/index.js';
import { ModelContractError } from './infer/index.js';
import { NormalizeError } from './normalize/index.js';

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** Node's error code (ENOENT, EACCES, ...) for file-system errors. */
  readonly code?: string;
  readonly transferSyntaxUid?: string;
  readonly transferSyntaxName?: string;
}

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const code = (err as NodeJS.ErrnoException).code;
  const syntax = err instanceof UnsupportedTransferSyntaxError
    ? { transferSyntaxUid: err.transferSyntaxUid, transferSyntaxName: err.transferSyntaxName }
    : {};
  return {
    name: err.name,
    message: err.message,
    ...(err.stack ? { stack: err.stack } : {}),
    ...(typeof code === 'string' ? { code } : {}),
    ...syntax,
  };
}

/** The classes the decode, model, guard and normalize stages throw, by name. */
const CLASSES = new Map<string, (e: SerializedError) => Error>([
  ['MalformedDicomError', (e) => new MalformedDicomError(e.message)],
  ['UnsupportedImageError', (e) => new UnsupportedImageError(e.message)],
  ['UnsupportedTransferSyntaxError', (e) => new UnsupportedTransferSyntaxError(e.transferSyntaxUid ?? '', e.transferSyntaxName ?? '')],
  ['DecodeError', (e) => new DecodeError(e.message)],
  ['ModelContractError', (e) => new ModelContractError(e.message)],
  ['GuardError', (e) => new GuardError(e.message)],
  ['NormalizeError', (e) => new NormalizeError(e.message)],
  ['RangeError', (e) => new RangeError(e.message)],
  ['TypeError', (e) => new TypeError(e.message)],
]);

/**
 * The error as an in-process denoiseInstance or ModelRunner.load would have thrown it: its
 * class, and the child's message and stack (a constructor may have built its own message from
 * its arguments). Anything else (a file-system error, a bug) keeps its name and code for the
 * logs and for classifyError.
 */
export function reviveError(e: SerializedError): Error {
  const make = CLASSES.get(e.name);
  const err = make ? make(e) : Object.assign(new Error(e.message), { name: e.name });
  if (err.message !== e.message) err.message = e.message;
  if (e.stack) err.stack = e.stack;
  if (e.code) (err as NodeJS.ErrnoException).code = e.code;
  return err;
}
