// The C-STORE-RSP as bytes, written to the socket by us rather than by dcmjs-dimse, whose
// response path re-encodes a naturalized command set through dcmjs (about 1 ms of CPU per
// response, on every instance's critical path). A command set is always implicit VR little
// endian (PS3.7 6.3.1); one PDV, flagged command and last.

import { padded } from './meta.js';

export interface CStoreResponseFields {
  readonly presentationContextId: number;
  readonly messageId: number;
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly status: number;
  /** (0000,0902) Error Comment, LO: at most 64 characters. */
  readonly errorComment?: string;
}

const C_STORE_RSP = 0x8001;
const NO_DATA_SET = 0x0101;

export function cStoreResponsePdu(f: CStoreResponseFields): Buffer {
  const elements = [
    element(0x0002, padded(f.sopClassUid, 0)),
    element(0x0100, us(C_STORE_RSP)),
    element(0x0120, us(f.messageId)),
    element(0x0800, us(NO_DATA_SET)),
    element(0x0900, us(f.status)),
    ...(f.errorComment ? [element(0x0902, padded(f.errorComment.slice(0, 64), 0x20))] : []),
    element(0x1000, padded(f.sopInstanceUid, 0)),
  ];
  const body = Buffer.concat(elements);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(body.length);
  const command = Buffer.concat([element(0x0000, groupLength), body]);
  const head = Buffer.alloc(12);
  head[0] = 0x04; // P-DATA-TF
  head.writeUInt32BE(6 + command.length, 2);
  head.writeUInt32BE(2 + command.length, 6); // PDV item length
  head[10] = f.presentationContextId;
  head[11] = 0x03; // command, last fragment
  return Buffer.concat([head, command]);
}

function element(elementNumber: number, value: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16LE(0x0000, 0);
  header.writeUInt16LE(elementNumber, 2);
  header.writeUInt32LE(value.length, 4);
  return Buffer.concat([header, value]);
}

function us(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value & 0xffff);
  return b;
}
