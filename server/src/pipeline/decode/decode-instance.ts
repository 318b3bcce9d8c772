// One received file -> its parsed header and decoded frame 0, with how long each took. In the
// node it runs inside the pipeline's child process (pipeline-worker-entry.ts); the CLI and the
// tests call it in their own thread (inThreadDecoder).

import { readFile } from 'node:fs/promises';
import { decodeParsed, type DecodedImage } from './decode.js';
import { asMalformed } from './errors.js';
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
  const parsed = asMalformed(() => parseDicom(bytes, options));
  const image = await decodeParsed(parsed);
  return { parsed, image, readMs: read - started, decodeMs: performance.now() - read };
}

/** Decodes on the caller's thread: fine for the CLI and tests, blocks a server's event loop. */
export const inThreadDecoder: InstanceDecoder = {
  decode: (source) => decodeInstance(source),
};
