// One DICOM connection: association negotiation, C-ECHO, and C-STORE into the store.
//
// dcmjs-dimse parses PDUs and commands and calls these handlers from its event emitter; an
// exception thrown there would escape as an uncaught exception, so every handler is guarded
// and a failure only ends this connection. The C-STORE data set bypasses the library's memory
// buffer (spool.ts), and its response is encoded here (response.ts). Other DIMSE services are
// not offered: a peer that asks for one is aborted.

import { randomBytes } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { SHARPXR_IMPLEMENTATION_VERSION_NAME } from '../derive/derive.js';
import { SHARPXR_IMPLEMENTATION_CLASS_UID } from '../derive/uids.js';
import { dimse, withImplementation, type Association, type CEchoRequest, type CEchoResponse, type CStoreRequest, type CStoreResponse, type PresentationContext } from './dimse.js';
import { negotiateAssociation } from './associate.js';
import { STATUS } from './header.js';
import { OperationGate } from './operations.js';
import { installPduFraming } from './pdu-framing.js';
import { startReception, type Reception } from './receive.js';
import { cStoreResponsePdu } from './response.js';
import { completeStore, hex, type StoreDeps, type StoreOutcome } from './store.js';

const { Status } = dimse.constants;

export interface ScpContext {
  readonly aeTitle: string;
  readonly allowedCallingAeTitles?: readonly string[];
  readonly maxPduLength: number;
  readonly writeBufferBytes: number;
  readonly maxInflatedBytes: number;
  readonly idleTimeoutMs: number;
  readonly deps: StoreDeps;
  readonly onStoreResult?: (result: StoreResult) => void;
  isClosing(): boolean;
  /** Connections open now, this one included (bounded by maxAssociations). */
  openConnections(): number;
  readonly maxAssociations: number;
  tempPath(associationId: string): string;
}

/** Every C-STORE answered, for metrics: the status sent and how long it took. */
export interface StoreResult {
  readonly status: number;
  readonly sopInstanceUid: string;
  readonly callingAeTitle: string;
  readonly associationId: string;
  /** From the first data set byte to the response. */
  readonly durationMs: number;
}

/** A C-STORE whose data set is being received, or one refused before its data set arrived. */
type Receiving = Reception & { readonly startedAt: number; readonly presentationContextId?: number };

/** How long a shutdown waits for an idle peer to release before aborting its association. */
const RELEASE_WAIT_MS = 500;

// One data set object is handed to dcmjs-dimse for every C-STORE: the real one is on disk.
let placeholder: InstanceType<typeof dimse.Dataset> | undefined;

export class StoreScp extends dimse.Scp {
  readonly associationId = randomBytes(4).toString('hex');
  private callingAe = '';
  private associated = false;
  private ending = false;
  private readonly receiving = new Map<CStoreRequest, Receiving>();
  private readonly ops = new OperationGate();

  constructor(
    private readonly conn: Socket,
    private readonly ctx: ScpContext,
  ) {
    // The socket idle timeout is the only one dcmjs-dimse applies to server connections.
    super(conn, { connectTimeout: ctx.idleTimeoutMs });
    // Without it every C-STORE response waits for the peer's delayed ACK (~40 ms each).
    conn.setNoDelay(true);
    installPduFraming(this, conn, ctx.maxPduLength, (reason) => {
      this.log('warn', { reason }, 'protocol violation');
      this.conn.destroy();
    });
    this.on('networkError', (err: Error) => this.onNetworkError(err));
    conn.once('close', () => this.onClose());
  }

  /**
   * Shutdown: let operations in flight finish, give the peer a moment to release (a sender
   * between two stores may start its next one, which is then let finish too), all within
   * `graceMs`; then abort whatever is left and close the connection.
   */
  async drain(graceMs: number): Promise<void> {
    const deadline = Date.now() + graceMs;
    const closed = new Promise<void>((resolve) => (this.conn.destroyed ? resolve() : this.conn.once('close', () => resolve())));
    while (!this.conn.destroyed && Date.now() < deadline) {
      await this.ops.idle(deadline - Date.now());
      await Promise.race([closed, delay(Math.min(RELEASE_WAIT_MS, Math.max(0, deadline - Date.now())))]);
      if (this.ops.count === 0) break;
    }
    this.endConnection('the node is shutting down');
    await closed;
  }

  override associationRequested(association: Association): void {
    this.guard('association request', () => this.negotiate(association));
  }

  override associationReleaseRequested(): void {
    // A release must not overtake a C-STORE that is still being stored.
    void this.ops.idle(Infinity).then(() =>
      this.guard('association release', () => {
        this.associated = false;
        this.sendAssociationReleaseResponse();
        this.log('info', {}, 'association released');
      }),
    );
  }

  override sendAssociationAccept(): void {
    const identity = { classUid: SHARPXR_IMPLEMENTATION_CLASS_UID, versionName: SHARPXR_IMPLEMENTATION_VERSION_NAME, maxPduLength: this.ctx.maxPduLength };
    withImplementation(identity, () => super.sendAssociationAccept());
  }

  override cEchoRequest(request: CEchoRequest, callback: (response: CEchoResponse) => void): void {
    this.guard('C-ECHO', () => {
      const response = dimse.responses.CEchoResponse.fromRequest(request);
      response.setStatus(Status.Success);
      callback(response);
    });
  }

  override createStoreWritableStream(pc: PresentationContext, request: CStoreRequest): Writable {
    try {
      return this.openSpool(pc, request);
    } catch (err) {
      this.log('error', { reason: (err as Error).message }, 'cannot receive the data set');
      this.refuse(request, { status: STATUS.OutOfResources, comment: 'storage error; retry later' });
      return discard();
    }
  }

  override createDatasetFromStoreWritableStream(_w: Writable, _pc: PresentationContext, callback: (dataset: InstanceType<typeof dimse.Dataset>) => void): void {
    // Called synchronously: dcmjs-dimse treats PDVs as the data set of the current command
    // until this callback runs. The work that takes time is done in cStoreRequest.
    placeholder ??= new dimse.Dataset({});
    callback(placeholder);
  }

  override cStoreRequest(request: CStoreRequest, callback: (response: CStoreResponse) => void): void {
    const entry = this.receiving.get(request);
    this.receiving.delete(request);
    void this.answerStore(request, entry, callback);
  }

  override abort(source: number, reason: number): void {
    this.log('warn', { source, reason }, 'association aborted by the peer');
    this.associated = false;
    this.conn.destroy();
  }

  // Services we do not offer: a well-behaved SCU never asks, since no context allows them.
  override cFindRequest(): void { this.unsupported('C-FIND'); }
  override cMoveRequest(): void { this.unsupported('C-MOVE'); }
  override cGetRequest(): void { this.unsupported('C-GET'); }
  override nCreateRequest(): void { this.unsupported('N-CREATE'); }
  override nActionRequest(): void { this.unsupported('N-ACTION'); }
  override nDeleteRequest(): void { this.unsupported('N-DELETE'); }
  override nEventReportRequest(): void { this.unsupported('N-EVENT-REPORT'); }
  override nGetRequest(): void { this.unsupported('N-GET'); }
  override nSetRequest(): void { this.unsupported('N-SET'); }
  override cCancelRequest(): void { /* nothing of ours can be cancelled */ }

  private negotiate(a: Association): void {
    if (this.associated) {
      this.endConnection('a second A-ASSOCIATE-RQ on an established association');
      return;
    }
    this.callingAe = a.getCallingAeTitle().trim();
    const fields = { calledAeTitle: a.getCalledAeTitle().trim(), remote: `${this.conn.remoteAddress}:${this.conn.remotePort}` };
    const { aeTitle, allowedCallingAeTitles } = this.ctx;
    const verdict = negotiateAssociation(a, { aeTitle, ...(allowedCallingAeTitles ? { allowedCallingAeTitles } : {}), closing: this.ctx.isClosing(), atLimit: this.ctx.openConnections() > this.ctx.maxAssociations });
    if (!verdict.accept) {
      this.sendAssociationReject(verdict.result, verdict.source, verdict.reason);
      this.log('warn', { ...fields, reason: verdict.why }, 'association rejected');
      this.conn.end();
      return;
    }
    a.setMaxPduLength(this.ctx.maxPduLength);
    this.sendAssociationAccept();
    this.associated = true;
    this.log('info', { ...fields, contexts: verdict.proposed, accepted: verdict.accepted }, 'association accepted');
  }

  private openSpool(pc: PresentationContext, request: CStoreRequest): Writable {
    const reception = startReception(this.ctx, { associationId: this.associationId, callingAeTitle: this.callingAe, socket: this.conn }, pc, request);
    this.receiving.set(request, { ...reception, startedAt: performance.now(), presentationContextId: pc.getPresentationContextId() });
    this.ops.begin();
    return reception.kind === 'spool' ? reception.rx.spool : discard();
  }

  private refuse(request: CStoreRequest, outcome: StoreOutcome): void {
    this.receiving.set(request, { kind: 'refused', outcome, startedAt: performance.now() });
    this.ops.begin();
  }

  private async answerStore(request: CStoreRequest, entry: Receiving | undefined, callback: (r: CStoreResponse) => void): Promise<void> {
    const sopInstanceUid = (request.getAffectedSopInstanceUid() ?? '').trim();
    let outcome: StoreOutcome = { status: STATUS.CannotUnderstand, comment: 'C-STORE without a data set' };
    try {
      if (entry?.kind === 'spool') outcome = await completeStore(this.ctx.deps, entry.rx);
      else if (entry?.kind === 'refused') outcome = entry.outcome;
      if (entry?.kind !== 'spool') this.log('warn', { sopInstanceUid, status: hex(outcome.status), reason: outcome.comment }, 'C-STORE refused');
    } catch (err) {
      outcome = { status: STATUS.OutOfResources, comment: 'internal error; retry later' };
      this.log('error', { sopInstanceUid, reason: (err as Error).message }, 'C-STORE failed unexpectedly');
    }
    this.guard('C-STORE response', () => this.respond(request, entry?.presentationContextId, outcome, callback));
    if (entry) this.ops.end();
    this.report({ status: outcome.status, sopInstanceUid, callingAeTitle: this.callingAe, associationId: this.associationId, durationMs: performance.now() - (entry?.startedAt ?? performance.now()) });
  }

  /** Our own encoding when we know the context (see response.ts); dcmjs-dimse's otherwise. */
  private respond(request: CStoreRequest, presentationContextId: number | undefined, outcome: StoreOutcome, callback: (r: CStoreResponse) => void): void {
    if (this.conn.destroyed) return;
    if (presentationContextId !== undefined) {
      this.conn.write(
        cStoreResponsePdu({
          presentationContextId,
          messageId: request.getMessageId(),
          sopClassUid: (request.getAffectedSopClassUid() ?? '').trim(),
          sopInstanceUid: (request.getAffectedSopInstanceUid() ?? '').trim(),
          status: outcome.status,
          ...(outcome.comment ? { errorComment: outcome.comment } : {}),
        }),
      );
      return;
    }
    const response = dimse.responses.CStoreResponse.fromRequest(request);
    response.setStatus(outcome.status);
    if (outcome.comment) response.setErrorComment(outcome.comment.slice(0, 64));
    callback(response);
  }

  private report(result: StoreResult): void {
    try {
      this.ctx.onStoreResult?.(result);
    } catch (err) {
      this.log('error', { reason: (err as Error)?.message }, 'onStoreResult threw');
    }
  }

  private unsupported(service: string): void {
    this.endConnection(`${service} is not offered`);
  }

  /** Abort the association (if any) and close the connection, destroying it if the peer lingers. */
  private endConnection(why: string): void {
    if (this.conn.destroyed || this.ending) return;
    this.ending = true;
    this.log('info', { reason: why }, 'closing connection');
    if (this.associated) this.guard('abort', () => this.sendAbort(dimse.constants.AbortSource.ServiceProvider, 0));
    this.associated = false;
    this.conn.end();
    setTimeout(() => this.conn.destroy(), 2000).unref();
  }

  private onNetworkError(err: Error): void {
    this.log('warn', { reason: err?.message ?? String(err) }, 'network error');
    this.associated = false;
    this.endConnection('network error');
  }

  /** The connection is gone: drop data sets that never completed, with their temp files. */
  private onClose(): void {
    for (const entry of this.receiving.values()) {
      if (entry.kind === 'spool') {
        const { spool, tmpPath } = entry.rx;
        const remove = (): void => void unlink(tmpPath).catch(() => undefined);
        // Only once the file handle is closed can the file go.
        if (spool.closed) remove();
        else spool.once('close', remove);
        spool.destroy();
      }
      this.ops.end();
    }
    this.receiving.clear();
    this.ops.abandon();
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log('error', { reason: (err as Error)?.message ?? String(err) }, `${what} failed`);
      try {
        this.conn.destroy();
      } catch {
        /* already gone */
      }
    }
  }

  private log(level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, msg: string): void {
    this.ctx.deps.logger[level]({ associationId: this.associationId, callingAeTitle: this.callingAe, ...fields }, msg);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Where the bytes of a refused data set go. */
function discard(): Writable {
  return new Writable({ write: (_chunk, _enc, cb) => cb() });
}
