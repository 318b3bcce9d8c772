// PDU framing for a connection, in place of dcmjs-dimse's PduAccumulator.
//
// That accumulator (a) concatenates every socket chunk onto the partial PDU before it, so
// each byte of a data set is copied once or more, and the copies are most of the listener's
// garbage; and (b) buffers whatever length a PDU header claims, up to 4 GiB, so one bogus
// header could take the process down. This framer hands dcmjs-dimse's own PDU parser
// (Network._processPdu) each PDU as a view into the socket chunk when it lies in one, copying
// only PDUs that straddle chunks, and ends the connection on a length beyond what we announced.
//
// It relies on two internals of dcmjs-dimse 0.3.x: the socket has exactly one 'data' listener
// (the accumulator's), and Network has _processPdu(buffer). If either is missing, the
// library's path stays and only the length check is added.

import type { Socket } from 'node:net';

const P_DATA_TF = 0x04;
/** Association PDUs are small; a generous bound for every type but P-DATA-TF. */
const MAX_CONTROL_PDU = 1024 * 1024;
const KNOWN_TYPES = new Set([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]);

type PduHandler = (pdu: Buffer) => unknown;

/** Returns true when our framer replaced the library's, false when it only guards lengths. */
export function installPduFraming(network: object, socket: Socket, maxPDataLength: number, onViolation: (reason: string) => void): boolean {
  const processPdu = (network as { _processPdu?: PduHandler })._processPdu;
  const libraryListeners = socket.listeners('data');
  const replace = typeof processPdu === 'function' && libraryListeners.length === 1;
  if (replace) socket.removeListener('data', libraryListeners[0] as (chunk: Buffer) => void);
  const deliver = replace
    ? (pdu: Buffer): void => {
        (network as { lastPduTime?: number }).lastPduTime = Date.now();
        void Promise.resolve(processPdu.call(network, pdu)).catch(() => undefined); // it reports its own errors
      }
    : (): void => undefined;
  socket.on('data', framer(maxPDataLength, deliver, onViolation));
  return replace;
}

/** A 'data' listener that cuts the byte stream into PDUs. */
function framer(maxPDataLength: number, deliver: (pdu: Buffer) => void, onViolation: (reason: string) => void): (chunk: Buffer) => void {
  let queued: Buffer[] = [];
  let queuedBytes = 0;
  let violated = false;
  return (chunk) => {
    if (violated) return;
    queued.push(chunk);
    queuedBytes += chunk.length;
    for (;;) {
      const header = peek(queued, 6);
      if (!header) return;
      const type = header[0]!;
      const length = header.readUInt32BE(2);
      const limit = type === P_DATA_TF ? maxPDataLength : MAX_CONTROL_PDU;
      if (!KNOWN_TYPES.has(type) || length > limit) {
        violated = true;
        queued = [];
        onViolation(KNOWN_TYPES.has(type) ? `PDU type 0x${type.toString(16)} of ${length} bytes exceeds the ${limit} allowed` : `unknown PDU type 0x${type.toString(16)}`);
        return;
      }
      if (queuedBytes < 6 + length) return;
      const pdu = take(queued, 6 + length);
      queuedBytes -= pdu.length;
      deliver(pdu);
    }
  };
}

/** The first n queued bytes (copied only if they span chunks), or null if fewer are queued. */
function peek(queued: Buffer[], n: number): Buffer | null {
  const first = queued[0];
  if (!first) return null;
  if (first.length >= n) return first.subarray(0, n);
  const joined = Buffer.concat(queued, Math.min(n, queued.reduce((s, b) => s + b.length, 0)));
  return joined.length >= n ? joined : null;
}

/** Remove and return the first n bytes: a view when they lie in one chunk, else one copy. */
function take(queued: Buffer[], n: number): Buffer {
  const first = queued[0]!;
  if (first.length >= n) {
    if (first.length === n) queued.shift();
    else queued[0] = first.subarray(n);
    return first.subarray(0, n);
  }
  const out = Buffer.allocUnsafe(n);
  let filled = 0;
  while (filled < n) {
    const b = queued[0]!;
    const part = Math.min(b.length, n - filled);
    b.copy(out, filled, 0, part);
    filled += part;
    if (part === b.length) queued.shift();
    else queued[0] = b.subarray(part);
  }
  return out;
}
