// Bytes -> data set. dcmjs does the element parsing, but it only reads one layout: a 128-byte
// preamble, "DICM", a meta header with a group length, then a data set it can read in place.
// Real files also come without preamble, without any meta header (ACR-NEMA style), without a
// group length, or deflated; this file finds the data set and its syntax in all of them, and
// read.ts hands dcmjs the one layout it reads.

import { inflateRawSync, inflateSync } from 'node:zlib';
import type { DcmjsDict } from './dcmjs.js';
import { MalformedDicomError } from './errors.js';
import { locateDataSet } from './locate.js';
import { readDataSet } from './read.js';
import { UID, type TransferSyntax } from './syntaxes.js';

export interface ParsedDicom {
  readonly transferSyntax: TransferSyntax;
  /** False for ACR-NEMA style files (data set only; the syntax was sniffed). */
  readonly hasMetaHeader: boolean;
  /** The data set (group 0002 excluded), as dcmjs reads it. */
  readonly dataset: DcmjsDict;
}

/** By default a data set may inflate to 1 GiB; a deflate bomb must not take the node down. */
export const MAX_INFLATED_BYTES = 1024 * 1024 * 1024;

export interface ParseOptions {
  /** Largest inflated size of a deflated data set (default MAX_INFLATED_BYTES). */
  maxInflatedBytes?: number;
}

/** Parse a whole DICOM file (Part 10 or bare data set). Throws DecodeError subclasses only. */
export function parseDicom(bytes: Uint8Array, options: ParseOptions = {}): ParsedDicom {
  const { syntax, datasetStart, hasMetaHeader } = locateDataSet(bytes);
  let dataset = bytes.subarray(datasetStart);
  if (syntax.deflated) dataset = inflateDataSet(dataset, options.maxInflatedBytes ?? MAX_INFLATED_BYTES);
  // dcmjs reads a deflated syntax by inflating again; hand it the inflated bytes as explicit LE.
  const readAs = syntax.deflated ? UID.ExplicitVRLittleEndian : syntax.uid;
  return { transferSyntax: syntax, hasMetaHeader, dataset: readDataSet(readAs, dataset) };
}

function inflateDataSet(deflated: Uint8Array, maxOutputLength: number): Uint8Array {
  const opts = { maxOutputLength };
  try {
    return inflateRawSync(deflated, opts);
  } catch (rawErr) {
    // Some writers wrap the stream in a zlib header (0x78 ..) although the standard says raw.
    if (deflated[0] === 0x78) {
      try {
        return inflateSync(deflated, opts);
      } catch {
        /* report the raw-deflate error below */
      }
    }
    throw new MalformedDicomError(`deflated data set cannot be inflated: ${(rawErr as Error).message}`);
  }
}
