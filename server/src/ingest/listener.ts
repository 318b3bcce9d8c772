// The DICOM listener: a TCP server whose every connection is a StoreScp. Our own net.Server
// rather than dcmjs-dimse's Server, because that one cannot bind a host, does not report the
// port it got, and closes by destroying every socket (losing C-STOREs in flight).

import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { MAX_INFLATED_BYTES } from '../pipeline/decode/parse.js';
import { silenceDimseConsole } from './dimse.js';
import { NOOP_LOGGER, type IngestLogger } from './logger.js';
import { StoreScp, type ScpContext, type StoreResult } from './scp.js';
import { prepareStore, storeLayout } from './store.js';
import type { IngestSink } from './types.js';

export interface ListenerOptions {
  /** Our AE title: associations calling another one are rejected. */
  readonly aeTitle: string;
  /** 0 picks a free port (see Listener.port). */
  readonly port: number;
  /** Default 0.0.0.0. */
  readonly host?: string;
  /** When given, only these calling AE titles may associate. */
  readonly allowedCallingAeTitles?: readonly string[];
  /** Root of the store: instances/<StudyUID>/<SOPInstanceUID>.dcm, tmp/ for partial files. */
  readonly storeDir: string;
  readonly sink: IngestSink;
  readonly logger?: IngestLogger;
  /** Largest PDU we receive, announced in the A-ASSOCIATE-AC (default 64 KiB). */
  readonly maxPduLength?: number;
  /** Bytes of a data set buffered in memory before the socket is paused (default 1 MiB). */
  readonly writeBufferBytes?: number;
  /**
   * Associations served at once (default 32); more are rejected transiently with "local limit
   * exceeded", so a modality retries instead of the node running out of memory or files.
   */
  readonly maxAssociations?: number;
  /** A connection idle this long is closed (default 5 minutes). */
  readonly idleTimeoutMs?: number;
  /** Called after every C-STORE response (success or not), e.g. for metrics. Must not throw. */
  readonly onStoreResult?: (result: StoreResult) => void;
}

export interface Listener {
  readonly host: string;
  readonly port: number;
  /**
   * Stop accepting associations, let C-STOREs in flight finish (at most `graceMs`, default
   * 30 s), then close every connection. Idempotent.
   */
  close(graceMs?: number): Promise<void>;
}

/** The PDU length DCMTK and most PACS use; larger PDUs cost dcmjs-dimse more copying. */
export const DEFAULT_MAX_PDU_LENGTH = 64 * 1024;
const DEFAULT_WRITE_BUFFER = 1024 * 1024;
const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60 * 1000;
const DEFAULT_GRACE_MS = 30_000;
const DEFAULT_MAX_ASSOCIATIONS = 32;

export async function startListener(options: ListenerOptions): Promise<Listener> {
  validateOptions(options);
  const logger = options.logger ?? NOOP_LOGGER;
  const layout = storeLayout(resolve(options.storeDir));
  const stale = await prepareStore(layout);
  if (stale > 0) logger.warn({ count: stale }, 'removed partial files left by an earlier run');
  silenceDimseConsole();

  let closing = false;
  let tempCounter = 0;
  const connections = new Set<StoreScp>();
  const ctx: ScpContext = {
    aeTitle: options.aeTitle,
    ...(options.allowedCallingAeTitles ? { allowedCallingAeTitles: options.allowedCallingAeTitles } : {}),
    maxPduLength: options.maxPduLength ?? DEFAULT_MAX_PDU_LENGTH,
    writeBufferBytes: options.writeBufferBytes ?? DEFAULT_WRITE_BUFFER,
    maxInflatedBytes: MAX_INFLATED_BYTES,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    deps: { layout, sink: options.sink, logger },
    ...(options.onStoreResult ? { onStoreResult: options.onStoreResult } : {}),
    isClosing: () => closing,
    openConnections: () => connections.size,
    maxAssociations: options.maxAssociations ?? DEFAULT_MAX_ASSOCIATIONS,
    tempPath: (id) => join(layout.tmpDir, `${id}-${++tempCounter}-${randomBytes(3).toString('hex')}.part`),
  };

  const server = createServer((socket) => accept(socket, ctx, connections, logger));
  server.on('error', (err) => logger.error({ reason: err.message }, 'listener error'));
  const host = options.host ?? '0.0.0.0';
  await listen(server, options.port, host);
  const port = (server.address() as AddressInfo).port;
  logger.info({ aeTitle: options.aeTitle, host, port }, 'DICOM listener started');

  let closed: Promise<void> | undefined;
  return {
    host,
    port,
    close: (graceMs = DEFAULT_GRACE_MS) => {
      closing = true;
      closed ??= shutdown(server, connections, graceMs).then(() => logger.info({ port }, 'DICOM listener stopped'));
      return closed;
    },
  };
}

function accept(socket: Socket, ctx: ScpContext, connections: Set<StoreScp>, logger: IngestLogger): void {
  try {
    const scp = new StoreScp(socket, ctx);
    connections.add(scp);
    socket.once('close', () => connections.delete(scp));
  } catch (err) {
    logger.error({ reason: (err as Error).message }, 'cannot serve a connection');
    socket.destroy();
  }
}

async function shutdown(server: Server, connections: Set<StoreScp>, graceMs: number): Promise<void> {
  const serverClosed = new Promise<void>((done) => server.close(() => done()));
  await Promise.all([...connections].map((c) => c.drain(graceMs)));
  await serverClosed;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      done();
    });
  });
}

function validateOptions(o: ListenerOptions): void {
  const ae = o.aeTitle?.trim() ?? '';
  if (ae.length === 0 || ae.length > 16 || /[\\\x00-\x1f]/.test(ae)) throw new TypeError(`invalid AE title "${o.aeTitle}"`);
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new TypeError(`invalid port ${o.port}`);
  const pdu = o.maxPduLength;
  if (pdu !== undefined && (!Number.isInteger(pdu) || pdu < 4096 || pdu > 16 * 1024 * 1024)) {
    throw new TypeError(`invalid maxPduLength ${pdu} (4096..16 MiB)`);
  }
  if (o.maxAssociations !== undefined && (!Number.isInteger(o.maxAssociations) || o.maxAssociations < 1)) {
    throw new TypeError(`invalid maxAssociations ${o.maxAssociations}`);
  }
  if (!o.storeDir) throw new TypeError('storeDir is required');
}
