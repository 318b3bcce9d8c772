// Real DICOM peers for the tests and the benchmark: DCMTK's echoscu, storescu and storescp,
// run as child processes. Always asynchronous (never spawnSync): the listener under test
// usually runs in the same process and must keep serving while the peer talks to it.
// TCP_NODELAY=1 is set for every DCMTK process; without it each message waits for a delayed ACK.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';

export const HAVE_DCMTK = spawnSync('storescu', ['--version'], { stdio: 'ignore' }).status === 0;

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface Peer {
  readonly host: string;
  readonly port: number;
  /** Called AE title. */
  readonly aeTitle: string;
}

const DCMTK_ENV = { ...process.env, TCP_NODELAY: '1' };

/** Run a command to completion and collect its output. */
export function run(cmd: string, args: readonly string[], timeoutMs = 120_000): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args], { env: DCMTK_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

export function echoscu(peer: Peer, callingAe = 'ECHOSCU'): Promise<RunResult> {
  return run('echoscu', ['-aet', callingAe, '-aec', peer.aeTitle, peer.host, String(peer.port)]);
}

export interface StorescuOptions {
  readonly callingAe?: string;
  /** A config file from writeStorescuConfig, so each file is sent in its own transfer syntax. */
  readonly config?: StorescuConfig;
  readonly extraArgs?: readonly string[];
}

export function storescu(peer: Peer, files: readonly string[], options: StorescuOptions = {}): Promise<RunResult> {
  const args = [
    '-aet', options.callingAe ?? 'STORESCU',
    '-aec', peer.aeTitle,
    ...(options.config ? ['-xf', options.config.path, options.config.profile] : []),
    ...(options.extraArgs ?? []),
    peer.host, String(peer.port),
    ...files,
  ];
  return run('storescu', args);
}

export const STORAGE_SOP_CLASSES = {
  cr: '1.2.840.10008.5.1.4.1.1.1',
  dxPresentation: '1.2.840.10008.5.1.4.1.1.1.1',
  dxProcessing: '1.2.840.10008.5.1.4.1.1.1.1.1',
  secondaryCapture: '1.2.840.10008.5.1.4.1.1.7',
  mr: '1.2.840.10008.5.1.4.1.1.4',
} as const;

/** Every syntax DCMTK can send as-is from a file (it cannot write HTJ2K or JPEG XL). */
export const STORESCU_SYNTAXES = [
  '1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.2',
  '1.2.840.10008.1.2.5', '1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.57',
  '1.2.840.10008.1.2.4.70', '1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81', '1.2.840.10008.1.2.4.90',
  '1.2.840.10008.1.2.4.91',
] as const;

export interface StorescuConfig {
  readonly path: string;
  readonly profile: string;
}

/**
 * A storescu association profile proposing one presentation context per (SOP class, syntax),
 * so that storescu sends every file in the syntax it is stored in (no transcoding), all in
 * one association. (Its -x options propose one compressed family at a time.)
 */
export function writeStorescuConfig(
  dir: string,
  sopClasses: readonly string[] = [STORAGE_SOP_CLASSES.cr, STORAGE_SOP_CLASSES.dxPresentation, STORAGE_SOP_CLASSES.dxProcessing],
  syntaxes: readonly string[] = STORESCU_SYNTAXES,
): StorescuConfig {
  if (sopClasses.length * syntaxes.length > 128) throw new Error('at most 128 presentation contexts');
  const lines = ['[[TransferSyntaxes]]'];
  syntaxes.forEach((ts, i) => lines.push(`[TS${i}]`, `TransferSyntax1 = ${ts}`));
  lines.push('[[PresentationContexts]]', '[Contexts]');
  let n = 0;
  for (const sop of sopClasses) syntaxes.forEach((_, i) => lines.push(`PresentationContext${++n} = ${sop}\\TS${i}`));
  lines.push('[[Profiles]]', '[SharpXR]', 'PresentationContexts = Contexts');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'storescu.cfg');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return { path, profile: 'SharpXR' };
}

/** A port nobody listens on right now (bind to 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Storescp extends Peer {
  stop(): Promise<void>;
}

/**
 * DCMTK's storescp writing into `dir`, accepting every syntax it knows. `bitPreserving`
 * (+B) writes the received data set bytes unchanged: the reference for "stored as received".
 */
export async function startStorescp(dir: string, options: { aeTitle?: string; bitPreserving?: boolean } = {}): Promise<Storescp> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const aeTitle = options.aeTitle ?? 'STORESCP';
  const args = ['+xa', ...(options.bitPreserving ? ['+B'] : []), '-aet', aeTitle, '-od', dir, String(port)];
  const child: ChildProcess = spawn('storescp', args, { env: DCMTK_ENV, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Never outlive the process that started it, even when a test fails before stop().
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  try {
    await waitForPort(port);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    host: '127.0.0.1',
    port,
    aeTitle,
    stop: async () => {
      process.off('exit', killOnExit);
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface ThroughputRun {
  readonly seconds: number;
  readonly megabytesPerSecond: number;
}

export interface Throughput {
  readonly label: string;
  readonly bytes: number;
  readonly runs: readonly ThroughputRun[];
  readonly medianMegabytesPerSecond: number;
}

/**
 * storescu `files` to `peer` `runs` times (one association per run, `repeat` passes over the
 * files in it), timing each run end to end: process start to exit. MB is 10^6 bytes of the
 * source files. `beforeRun` may clear the destination between runs. Without
 * `distinctInstances`, repeats re-send the same instances (each store then replaces a file).
 */
export async function measureStoreThroughput(params: {
  label: string;
  peer: Peer;
  files: readonly string[];
  config: StorescuConfig;
  runs?: number;
  repeat?: number;
  /** storescu +II: a new SOP Instance UID for every image sent, so repeats never overwrite. */
  distinctInstances?: boolean;
  beforeRun?: () => Promise<void> | void;
}): Promise<Throughput> {
  const repeat = params.repeat ?? 1;
  const bytes = params.files.reduce((sum, f) => sum + statSync(f).size, 0) * repeat;
  const runs: ThroughputRun[] = [];
  for (let i = 0; i < (params.runs ?? 3); i++) {
    await params.beforeRun?.();
    const extraArgs = ['-q', ...(repeat > 1 ? ['--repeat', String(repeat)] : []), ...(params.distinctInstances ? ['+II'] : [])];
    const result = await storescu(params.peer, params.files, { config: params.config, extraArgs });
    if (result.code !== 0) throw new Error(`${params.label}: storescu failed (${result.code}): ${result.stderr}`);
    const seconds = result.ms / 1000;
    runs.push({ seconds, megabytesPerSecond: bytes / 1e6 / seconds });
  }
  const sorted = runs.map((r) => r.megabytesPerSecond).sort((a, b) => a - b);
  return { label: params.label, bytes, runs, medianMegabytesPerSecond: sorted[Math.floor(sorted.length / 2)]! };
}

export function formatThroughput(t: Throughput): string {
  const each = t.runs.map((r) => `${r.megabytesPerSecond.toFixed(1)}`).join(', ');
  return `${t.label}: median ${t.medianMegabytesPerSecond.toFixed(1)} MB/s (runs: ${each} MB/s; ${(t.bytes / 1e6).toFixed(1)} MB per run)`;
}

// ---------------------------------------------------------------------------------------------
// A minimal raw-PDU C-STORE SCU, for what DCMTK will not send: a data set cut short, a data set
// that contradicts its command, bytes that are not DICOM, an abort in the middle of a data set.
// Speaks plain PS3.8 over a socket, independent of the dcmjs-dimse code under test.

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

  private constructor(private readonly socket: import('node:net').Socket) {
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
