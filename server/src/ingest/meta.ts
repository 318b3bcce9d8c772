// Preamble, "DICM" and the File Meta Information (group 0002) written in front of a received
// data set, so that the stored file is Part 10 (PS3.10 7.1) although the network carries only
// the data set. Always explicit VR little endian, whatever the data set's own syntax; the data
// set bytes follow as received (still deflated for the deflated syntax, as Part 10 wants).

import { SHARPXR_IMPLEMENTATION_VERSION_NAME } from '../derive/derive.js';
import { SHARPXR_IMPLEMENTATION_CLASS_UID } from '../derive/uids.js';

export interface FileMetaInput {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly transferSyntaxUid: string;
  /** Calling AE title of the association: (0002,0016) Source Application Entity Title. */
  readonly sourceAeTitle: string;
}

const PREAMBLE = 128;

export function fileMetaHeader(input: FileMetaInput): Buffer {
  const elements = [
    element(0x0001, 'OB', Buffer.from([0x00, 0x01])),
    element(0x0002, 'UI', padded(input.sopClassUid, 0)),
    element(0x0003, 'UI', padded(input.sopInstanceUid, 0)),
    element(0x0010, 'UI', padded(input.transferSyntaxUid, 0)),
    element(0x0012, 'UI', padded(SHARPXR_IMPLEMENTATION_CLASS_UID, 0)),
    element(0x0013, 'SH', padded(SHARPXR_IMPLEMENTATION_VERSION_NAME, 0x20)),
    ...(input.sourceAeTitle.trim() ? [element(0x0016, 'AE', padded(input.sourceAeTitle.trim(), 0x20))] : []),
  ];
  const body = Buffer.concat(elements);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(body.length);
  const head = Buffer.alloc(PREAMBLE + 4);
  head.write('DICM', PREAMBLE, 'latin1');
  return Buffer.concat([head, element(0x0000, 'UL', groupLength), body]);
}

/** Value padded to even length: UIDs with NUL, text with space (PS3.5 6.2). Also used by response.ts. */
export function padded(value: string, pad: number): Buffer {
  const bytes = Buffer.from(value, 'latin1');
  return bytes.length % 2 === 0 ? bytes : Buffer.concat([bytes, Buffer.from([pad])]);
}

function element(elementNumber: number, vr: string, value: Buffer): Buffer {
  const long = vr === 'OB';
  const header = Buffer.alloc(long ? 12 : 8);
  header.writeUInt16LE(0x0002, 0);
  header.writeUInt16LE(elementNumber, 2);
  header.write(vr, 4, 'latin1');
  if (long) header.writeUInt32LE(value.length, 8);
  else header.writeUInt16LE(value.length, 6);
  return Buffer.concat([header, value]);
}
