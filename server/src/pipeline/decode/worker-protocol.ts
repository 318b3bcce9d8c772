// The messages between worker-pool.ts and decode-worker.ts, and how a decode error crosses the
// thread boundary. Structured clone keeps an Error's message but not its class, so errors
// travel as {name, message, ...} and are rebuilt here as the same DecodeError subclass: the
// caller's `instanceof MalformedDicomError` (permanent, not worth a retry) keeps working.

import type { DcmjsDict } from './dcmjs.js';
import type { DecodedInstance } from './decode-instance.js';
import { DecodeError, MalformedDicomError, UnsupportedImageError, UnsupportedTransferSyntaxError } from './errors.js';
import type { ParseOptions } from './parse.js';
import { withWorkerText } from '../worker-threads.js';

export interface TaskMessage {
  readonly id: number;
  /** Exactly one of path and bytes. */
  readonly path?: string;
  readonly bytes?: Uint8Array;
  readonly parseOptions?: ParseOptions;
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** Node's error code (ENOENT, EACCES, ...) for file-system errors. */
  readonly code?: string;
  readonly transferSyntaxUid?: string;
  readonly transferSyntaxName?: string;
}

export type ReplyMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly id: number; readonly result: DecodedInstance }
  | { readonly type: 'error'; readonly id: number; readonly error: SerializedError };

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

/** The error as the caller would have seen it from an in-thread decode (class, name, message). */
export function reviveError(e: SerializedError): Error {
  const err = withWorkerText(instantiate(e), e);
  if (e.code) (err as NodeJS.ErrnoException).code = e.code;
  return err;
}

function instantiate(e: SerializedError): Error {
  switch (e.name) {
    case 'MalformedDicomError':
      return new MalformedDicomError(e.message);
    case 'UnsupportedImageError':
      return new UnsupportedImageError(e.message);
    case 'UnsupportedTransferSyntaxError':
      return new UnsupportedTransferSyntaxError(e.transferSyntaxUid ?? '', e.transferSyntaxName ?? '');
    case 'DecodeError':
      return new DecodeError(e.message);
    default: {
      // Not a decode error (a file-system error, or a bug): keep its name for the logs.
      const other = new Error(e.message);
      other.name = e.name;
      return other;
    }
  }
}

/**
 * The data set as plain data. dcmjs decorates some values with functions (Person Name arrays
 * and objects carry toJSON/toString), which structured clone refuses; derive and the rules
 * read only the data (PN as {Alphabetic, ...} or the raw text), so own enumerable data
 * properties are kept, and ArrayBuffers and typed arrays are kept as they are (not copied).
 */
export function plainDataset(dict: DcmjsDict): DcmjsDict {
  return plain(dict) as DcmjsDict;
}

function plain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map(plain);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'function') out[key] = plain(v);
  }
  return out;
}

/**
 * The ArrayBuffers a reply can move instead of copy: the decoded pixels and the source's
 * Pixel Data values (derive only needs their lengths, for the lossy compression ratio, but
 * they are the bulk of the data set). Only buffers a view covers whole: transferring the
 * buffer behind a small view (a pooled Node Buffer) would detach memory others use.
 */
export function resultTransferList(result: DecodedInstance): ArrayBuffer[] {
  const candidates: unknown[] = [result.image.pixels, ...(result.parsed.dataset['7FE00010']?.Value ?? [])];
  const out = new Set<ArrayBuffer>();
  for (const c of candidates.flat()) {
    const buffer = wholeBuffer(c);
    if (buffer) out.add(buffer);
  }
  return [...out];
}

/** The ArrayBuffer behind `value` when `value` is it or a view of all of it. */
export function wholeBuffer(value: unknown): ArrayBuffer | undefined {
  if (value instanceof ArrayBuffer) return value;
  if (!ArrayBuffer.isView(value) || !(value.buffer instanceof ArrayBuffer)) return undefined;
  return value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value.buffer : undefined;
}
