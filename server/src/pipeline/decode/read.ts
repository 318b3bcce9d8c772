// A bare data set -> dcmjs dictionary, with the node's one CommonJS dcmjs (see dcmjs.ts); the
// work is in read-core.ts, which the console's Try it page runs with dcmjs's ES build.
import { dcmjs, type DcmjsDict } from './dcmjs.js';
import { readDataSetWith } from './read-core.js';

/** Parse `dataset` (encoded in syntax `uid`, not deflated). Throws MalformedDicomError. */
export function readDataSet(uid: string, dataset: Uint8Array): DcmjsDict {
  return readDataSetWith(dcmjs, uid, dataset);
}
