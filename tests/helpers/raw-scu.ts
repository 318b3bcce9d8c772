// A minimal raw-PDU C-STORE SCU, for what DCMTK will not send: a data set cut short, a data set
// that contradicts its command, bytes that are not DICOM, an abort in the middle of a data set.
// Speaks plain PS3.8 over a socket, independent of the dcmjs-dimse code under test.

import { connect, type Socket } from 'node:net';
import type { Peer } from './dcmtk.js';

export interface RawStoreParams {
  readonly peer: Peer;
  readonly callingAe?: string;
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly transferSyntaxUid: string;
  /** Data set bytes exactly as they go on the wire. */
  readonly dataset: Buffer;
  /** Largest PDV value sent (default 16 KiB). */
  readonly pdvSize?: number;
  /** Send this many data set bytes, then A-ABORT instead of finishing. */
  readonly abortAfterBytes?: number;
}

export type RawStoreResult =
  | { readonly kind: 'status'; readonly status: number; readonly comment?: string }
  | { readonly kind: 'association-rejected'; readonly reason: number }
  | { readonly kind: 'context-rejected'; readonly result: number }
  | { readonly kind: 'aborted-by-us' };

export async function rawCStore(p: RawStoreParams): Promise<RawStoreResult> {
  const io = await RawConnection.open(p.peer);
  try {
    io.send(associateRq(p.peer.aeTitle, p.callingAe ?? 'RAWSCU', p.sopClassUid, p.transferSyntaxUid));
    const ac = await io.next();
    if (ac.type === 0x03) return { kind: 'association-rejected', reason: ac.body[3]! };
    if (ac.type !== 0x02) throw new Error(`expected A-ASSOCIATE-AC, got PDU type ${ac.type}`);
    const result = contextResult(ac.body);
    if (result !== 0) return { kind: 'context-rejected', result };
    io.send(pdata(command(p.sopClassUid, p.sopInstanceUid), true, true));
    const size = p.pdvSize ?? 16384;
    const end = Math.min(p.abortAfterBytes ?? p.dataset.length, p.dataset.length);
    for (let at = 0; at < end; at += size) {
      const last = p.abortAfterBytes === undefined && at + size >= p.dataset.length;
      io.send(pdata(p.dataset.subarray(at, Math.min(at + size, end)), false, last));
    }
    if (p.abortAfterBytes !== undefined) {
      io.send(pdu(0x07, Buffer.alloc(4)));
      return { kind: 'aborted-by-us' };
    }
    const rsp = await io.next();
    if (rsp.type !== 0x04) throw new Error(`expected P-DATA-TF, got PDU type ${rsp.type}`);
    const status = commandStatus(rsp.body.subarray(6));
    io.send(pdu(0x05, Buffer.alloc(4)));
    await io.next().catch(() => undefined); // A-RELEASE-RP
    return { kind: 'status', ...status };
  } finally {
    io.close();
  }
}

class RawConnection {
  private buffered = Buffer.alloc(0);
  private waiting: Array<() => void> = [];
  private ended = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static open(peer: Peer): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = connect(peer.port, peer.host, () => resolve(new RawConnection(s)));
      s.setNoDelay(true);
      s.once('error', reject);
    });
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  async next(): Promise<{ type: number; body: Buffer }> {
    for (;;) {
      if (this.buffered.length >= 6) {
        const length = this.buffered.readUInt32BE(2);
        if (this.buffered.length >= 6 + length) {
          const out = { type: this.buffered[0]!, body: this.buffered.subarray(6, 6 + length) };
          this.buffered = this.buffered.subarray(6 + length);
          return out;
        }
      }
      if (this.ended) throw new Error('connection closed by the peer');
      await new Promise<void>((r) => this.waiting.push(r));
    }
  }

  close(): void {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 500).unref();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = [];
    for (const f of w) f();
  }
}

function pdu(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(6);
  head[0] = type;
  head.writeUInt32BE(body.length, 2);
  return Buffer.concat([head, body]);
}

function item(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = type;
  head.writeUInt16BE(body.length, 2);
  return Buffer.concat([head, body]);
}

function associateRq(called: string, calling: string, abstractSyntax: string, ts: string): Buffer {
  const fixed = Buffer.alloc(68, 0);
  fixed.writeUInt16BE(1, 0);
  fixed.write(called.padEnd(16, ' '), 4, 'latin1');
  fixed.write(calling.padEnd(16, ' '), 20, 'latin1');
  const maxLength = Buffer.alloc(4);
  maxLength.writeUInt32BE(16384);
  const pc = Buffer.concat([Buffer.from([1, 0, 0, 0]), item(0x30, Buffer.from(abstractSyntax)), item(0x40, Buffer.from(ts))]);
  return pdu(0x01, Buffer.concat([
    fixed,
    item(0x10, Buffer.from('1.2.840.10008.3.1.1.1')),
    item(0x20, pc),
    item(0x50, Buffer.concat([item(0x51, maxLength), item(0x52, Buffer.from('1.2.3.4.5.6'))])),
  ]));
}

/** Result of presentation context 1 in an A-ASSOCIATE-AC body. */
function contextResult(body: Buffer): number {
  for (let at = 68; at + 4 <= body.length; at += 4 + body.readUInt16BE(at + 2)) {
    if (body[at] === 0x21 && body[at + 4] === 1) return body[at + 6]!;
  }
  throw new Error('A-ASSOCIATE-AC has no result for presentation context 1');
}

function pdata(value: Buffer, isCommand: boolean, last: boolean): Buffer {
  const head = Buffer.alloc(6);
  head.writeUInt32BE(value.length + 2, 0);
  head[4] = 1; // presentation context id
  head[5] = (isCommand ? 1 : 0) | (last ? 2 : 0);
  return pdu(0x04, Buffer.concat([head, value]));
}

function element(tag: number, value: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16LE(tag >>> 16, 0);
  head.writeUInt16LE(tag & 0xffff, 2);
  head.writeUInt32LE(value.length, 4);
  return Buffer.concat([head, value]);
}

const us = (v: number): Buffer => Buffer.from([v & 0xff, v >> 8]);
const ui = (s: string): Buffer => Buffer.from(s.length % 2 ? `${s}\0` : s, 'latin1');

/** C-STORE-RQ command set, implicit VR little endian, with a data set following. */
function command(sopClassUid: string, sopInstanceUid: string): Buffer {
  const body = Buffer.concat([
    element(0x00000002, ui(sopClassUid)),
    element(0x00000100, us(0x0001)),
    element(0x00000110, us(1)),
    element(0x00000700, us(0)),
    element(0x00000800, us(0x0000)),
    element(0x00001000, ui(sopInstanceUid)),
  ]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(body.length);
  return Buffer.concat([element(0x00000000, length), body]);
}

/** Status (0000,0900) and Error Comment (0000,0902) of a response command set. */
function commandStatus(cmd: Buffer): { status: number; comment?: string } {
  let status = -1;
  let comment: string | undefined;
  for (let at = 0; at + 8 <= cmd.length; at += 8 + cmd.readUInt32LE(at + 4)) {
    const tag = (cmd.readUInt16LE(at) << 16) | cmd.readUInt16LE(at + 2);
    if (tag === 0x0900) status = cmd.readUInt16LE(at + 8);
    if (tag === 0x0902) comment = cmd.toString('latin1', at + 8, at + 8 + cmd.readUInt32LE(at + 4)).trim();
  }
  return { status, ...(comment ? { comment } : {}) };
}
