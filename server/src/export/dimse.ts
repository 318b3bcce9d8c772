// Typed access to dcmjs-dimse 0.3.3 for the SCU, and the one Dataset we hand it.
//
// The module itself is loaded once, with require(), by ingest/dimse.ts (see there and
// pipeline/decode/dcmjs.ts for why): one CommonJS instance is shared by listener and SCU.

import type { Socket } from 'node:net';
import { SHARPXR_IMPLEMENTATION_CLASS_UID, SHARPXR_IMPLEMENTATION_VERSION_NAME } from '../derive/index.js';
import { dimse, withImplementation } from '../ingest/dimse.js';
import { EXPLICIT_VR_LE, IMPLICIT_VR_LE, explicitToImplicit, type WireInstance } from './part10.js';

export { dimse };

export type DimseClient = InstanceType<typeof dimse.Client>;
export type DimseAssociation = InstanceType<typeof dimse.association.Association>;
export type DimseRequest = InstanceType<typeof dimse.requests.Request>;

/**
 * What Client keeps but its typings omit: `client.network` is set synchronously by send()
 * (dcmjs-dimse src/Client.js) and holds the net.Socket it connected, plus the Network that
 * parses PDUs. Network emits 'abort' for an A-ABORT, which Client does not forward.
 */
export interface ClientNetwork {
  readonly socket: Socket;
  on(event: 'abort', listener: (abort: { source: number; reason: number }) => void): void;
}

export function clientNetwork(client: DimseClient): ClientNetwork | undefined {
  return (client as unknown as { network?: ClientNetwork }).network;
}

/**
 * Runs `fn` (Client.send) with our implementation class UID and version name in force, so
 * the A-ASSOCIATE-RQ names SharpXR as our Part 10 meta headers do, not dcmjs-dimse.
 * dcmjs-dimse keeps them in process-wide statics that the Association constructor reads,
 * and Client.send constructs it synchronously: nothing else can observe the swap.
 */
export function asSharpxr<T>(fn: () => T): T {
  return withImplementation({ classUid: SHARPXR_IMPLEMENTATION_CLASS_UID, versionName: SHARPXR_IMPLEMENTATION_VERSION_NAME }, fn);
}

/**
 * A data set that sends the stored bytes as they are (see part10.ts for why).
 *
 * dcmjs-dimse's Network asks a request's dataset for getTransferSyntaxUid() (transcoding it if
 * the accepted syntax differs) and then getDenaturalizedDataset() for the bytes to put in the
 * P-DATA PDUs; those two calls are all a plain C-STORE uses. The only elements set up front
 * are the SOP UIDs CStoreRequest copies into its command. Should dcmjs-dimse ever need the
 * elements (its own transcoder), getElements() parses the bytes so it gets the real data set.
 */
export class WireDataset extends dimse.Dataset {
  #wire: WireInstance;
  #parsed: Record<string, unknown> | undefined;

  constructor(wire: WireInstance) {
    super({ SOPClassUID: wire.sopClassUid, SOPInstanceUID: wire.sopInstanceUid }, wire.transferSyntaxUid);
    this.#wire = wire;
  }

  get sopClassUid(): string {
    return this.#wire.sopClassUid;
  }

  override getElements(): Record<string, unknown> {
    this.#parsed ??= new dimse.Dataset(this.#wire.dataset, this.#wire.transferSyntaxUid).getElements();
    return this.#parsed;
  }

  override getDenaturalizedDataset(): Buffer {
    return this.#wire.dataset;
  }

  /**
   * Switches to the syntax the peer accepted, if we can produce it byte-faithfully.
   * Returns false if not (the caller leaves it to dcmjs-dimse's transcoder).
   */
  encodeAs(transferSyntaxUid: string): boolean {
    if (transferSyntaxUid === this.#wire.transferSyntaxUid) return true;
    if (transferSyntaxUid !== IMPLICIT_VR_LE || this.#wire.transferSyntaxUid !== EXPLICIT_VR_LE) return false;
    this.#wire = { ...this.#wire, dataset: explicitToImplicit(this.#wire.dataset), transferSyntaxUid };
    this.#parsed = undefined;
    this.setTransferSyntaxUid(transferSyntaxUid);
    return true;
  }
}
