// One received file -> its parsed header and decoded frame 0, with how long each took. The
// same function runs in the caller's thread (inThreadDecoder) and inside a decode worker
// (worker-pool.ts), so both give the same result and the same typed errors.

import { readFile } from 'node:fs/promises';
import { decodeParsed, type DecodedImage } from './decode.js';
import { DecodeError, MalformedDicomError } from './errors.js';
import { parseDicom, type ParseOptions, type ParsedDicom } from './parse.js';

export interface DecodedInstance {
  /** The data set as parsed (derive copies its header from this). */
  readonly parsed: ParsedDicom;
  readonly image: DecodedImage;
  /** Reading the file (0 when bytes were given). */
  readonly readMs: number;
  /** Parsing and decoding frame 0. */
  readonly decodeMs: number;
}

/** What the processing stage needs: a file path (or its bytes) in, a DecodedInstance out. */
export interface InstanceDecoder {
  decode(source: string | Uint8Array): Promise<DecodedInstance>;
}

/**
 * Read (when given a path), parse and decode. File-system errors (ENOENT, EACCES) pass
 * through as they are: they say nothing about the file's content. Everything that goes wrong
 * while reading the content is a DecodeError subclass, as decodePixels guarantees.
 */
export async function decodeInstance(source: string | Uint8Array, options: ParseOptions = {}): Promise<DecodedInstance> {
  const started = performance.now();
  const bytes = typeof source === 'string' ? await readFile(source) : source;
  const read = performance.now();
  const parsed = guarded(() => parseDicom(bytes, options));
  const image = await decodeParsed(parsed);
  return { parsed, image, readMs: read - started, decodeMs: performance.now() - read };
}

/** Decodes on the caller's thread: fine for the CLI and tests, blocks a server's event loop. */
export const inThreadDecoder: InstanceDecoder = {
  decode: (source) => decodeInstance(source),
};

/** As decode.ts: an unexpected throw while reading untrusted bytes still means a bad file. */
function guarded<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    throw new MalformedDicomError(`cannot read DICOM: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}
