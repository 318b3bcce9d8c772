// Typed facade over the two untyped-or-CommonJS libraries this module uses.
//
// Both are loaded with require(), not import: dcmjs-codecs (and later dcmjs-dimse) require()
// dcmjs, and an ESM import would load dcmjs's separate ES build a second time, with its own
// dictionary and log level. One CommonJS instance is shared by everyone.

import { createRequire } from 'node:module';
import type * as DcmjsCodecs from 'dcmjs-codecs';
import type { DcmjsDict, DcmjsReadOptions } from './dcmjs-types.js';

export type { DcmjsDict, DcmjsElement, DcmjsReadOptions } from './dcmjs-types.js';

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
