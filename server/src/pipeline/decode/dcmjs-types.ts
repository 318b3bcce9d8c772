// The shapes of dcmjs's data sets, apart from the library itself (dcmjs.ts loads it with Node's
// require): the pure decode files import these, and so can the console's Try it page.

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
