// Where a DICOM file's data set starts and which transfer syntax it is in: after a preamble and
// "DICM", after "DICM" alone, or at byte 0 (ACR-NEMA style, syntax sniffed). Pure (no Node
// API), so the console's Try it page finds the data set with the node's own rules.
import { MalformedDicomError } from './errors.js';
import { PREAMBLE, hasDicm, readMetaHeader, sniffDataSetSyntax } from './meta.js';
import { transferSyntax, type TransferSyntax } from './syntaxes.js';

export interface LocatedDataSet {
  readonly syntax: TransferSyntax;
  readonly datasetStart: number;
  readonly hasMetaHeader: boolean;
}

export function locateDataSet(bytes: Uint8Array): LocatedDataSet {
  const metaStart = hasDicm(bytes, PREAMBLE) ? PREAMBLE + 4 : hasDicm(bytes, 0) ? 4 : -1;
  if (metaStart < 0) {
    const uid = sniffDataSetSyntax(bytes, 0);
    if (!uid) throw new MalformedDicomError('not a DICOM file: no "DICM" marker and no recognisable data set');
    return { syntax: transferSyntax(uid), datasetStart: 0, hasMetaHeader: false };
  }
  const meta = readMetaHeader(bytes, metaStart);
  // A meta header without a Transfer Syntax UID happens; the data set itself tells which one.
  const uid = meta.transferSyntaxUid ?? sniffDataSetSyntax(bytes, meta.end);
  if (!uid) throw new MalformedDicomError('meta header has no Transfer Syntax UID and the data set is unrecognisable');
  return { syntax: transferSyntax(uid), datasetStart: meta.end, hasMetaHeader: true };
}
