// Typed facade over the two untyped-or-CommonJS libraries this module uses.
//
// Both are loaded with require(), not import: dcmjs-codecs (and later dcmjs-dimse) require()
// dcmjs, and an ESM import would load dcmjs's separate ES build a second time, with its own
// dictionary and log level. One CommonJS instance is shared by everyone.

import { createRequire } from 'node:module';
import type * as DcmjsCodecs from 'dcmjs-codecs';

/** One element of a dcmjs data set: VR plus decoded values (ArrayBuffers for OB/OW). */
export interface DcmjsElement {
  vr: string;
  Value?: unknown[];
}

/** A dcmjs data set, keyed by tag as 8 upper-case hex digits ("7FE00010"). */
export type DcmjsDict = Record<string, DcmjsElement | undefined>;

export interface DcmjsReadOptions {
  ignoreErrors: boolean;
  untilTag: string | null;
  includeUntilTagValue: boolean;
  noCopy: boolean;
}

/** loglevel's logger; `persist` false keeps it from touching localStorage/cookies. */
interface DcmjsLogger {
  getLevel(): number;
  setLevel(level: number | string, persist?: boolean): void;
}

interface DcmjsModule {
  data: {
    DicomMessage: {
      readFile(buffer: ArrayBuffer, options?: DcmjsReadOptions): { meta: DcmjsDict; dict: DcmjsDict };
    };
  };
  log: DcmjsLogger & { getLogger(name: string): DcmjsLogger };
}

const require = createRequire(import.meta.url);

export const dcmjs = require('dcmjs') as DcmjsModule;
export const dcmjsCodecs = require('dcmjs-codecs') as typeof DcmjsCodecs;
