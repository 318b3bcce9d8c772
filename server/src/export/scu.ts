// C-STORE and C-ECHO SCU towards a destination (PACS), over dcmjs-dimse's Client.
//
// One association per call: sendInstance opens, stores, releases; sendInstances stores a batch
// on one association (a study's derived series), with one outcome per input, in order. Every
// call ends within options.timeoutMs whatever the peer does. Outcomes follow classify.ts.

import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import {
  abortFailure, classifyRejection, classifyStatus, contextRejected, describe, hex4, invalidInput, timeoutFailure,
  transportFailure,
} from './classify.js';
import { asSharpxr, clientNetwork, dimse, WireDataset, type DimseAssociation, type DimseClient, type DimseRequest } from './dimse.js';
import { EXPLICIT_VR_LE, IMPLICIT_VR_LE, isPart10, readPart10, type WireInstance } from './part10.js';
import type { Destination, EchoOutcome, ExportLogger, InstanceInput, SendOptions, SendOutcome } from './types.js';

const noopLogger: ExportLogger = { info: () => {}, warn: () => {}, error: () => {} };

/** Sends one instance on its own association. */
export async function sendInstance(destination: Destination, input: InstanceInput, options: SendOptions): Promise<SendOutcome> {
  const [outcome] = await sendInstances(destination, [input], options);
  return outcome!;
}

/**
 * Sends instances on one association; outcomes[i] belongs to inputs[i]. Inputs that cannot be
 * read fail alone; an association-level failure (refused, rejected, timeout) fails the rest.
 * All inputs are loaded into memory first: meant for a study's worth, not for bulk transfers.
 */
export async function sendInstances(
  destination: Destination,
  inputs: readonly InstanceInput[],
  options: SendOptions,
): Promise<SendOutcome[]> {
  const log = options.logger ?? noopLogger;
  const started = Date.now();
  const loaded = await Promise.all(inputs.map(loadInstance));
  const datasets = loaded.map((l) => ('wire' in l ? new WireDataset(l.wire) : undefined));
  const toSend = datasets.filter((d): d is WireDataset => d !== undefined);
  const requests = toSend.map((d) => new dimse.requests.CStoreRequest(d));
  const sent = requests.length > 0
    ? await associate(destination, requests, options, (a) => negotiate(a, requests, toSend, destination, log))
    : [];
  let next = 0;
  const outcomes = loaded.map((l) => ('wire' in l ? sent[next++]! : l.outcome));
  const elapsedMs = Date.now() - started;
  outcomes.forEach((o, i) => logOutcome(log, destination, datasets[i], o, elapsedMs));
  return outcomes;
}

/** C-ECHO: can we associate with the destination, and does it answer? */
export async function echoDestination(destination: Destination, options: SendOptions): Promise<EchoOutcome> {
  const started = Date.now();
  const [outcome] = await associate(destination, [new dimse.requests.CEchoRequest()], options);
  const elapsedMs = Date.now() - started;
  const log = options.logger ?? noopLogger;
  const fields = { destination: destination.name, aeTitle: destination.aeTitle, elapsedMs };
  if (outcome!.ok) log.info(fields, 'C-ECHO ok');
  else log.warn({ ...fields, error: outcome!.error, retryable: outcome!.retryable }, 'C-ECHO failed');
  return { ...outcome!, elapsedMs };
}

type Loaded = { wire: WireInstance } | { outcome: SendOutcome };

async function loadInstance(input: InstanceInput): Promise<Loaded> {
  try {
    const wire = typeof input === 'string' ? readPart10(await readFile(input)) : fromBytes(input);
    if (wire.transferSyntaxUid !== EXPLICIT_VR_LE && wire.transferSyntaxUid !== IMPLICIT_VR_LE) {
      return { outcome: invalidInput(`transfer syntax ${wire.transferSyntaxUid} not supported: export sends explicit or implicit VR little endian only`) };
    }
    return { wire };
  } catch (err) {
    const what = typeof input === 'string' ? input : input.sopInstanceUid;
    return { outcome: invalidInput(`cannot read instance ${what}: ${(err as Error).message}`) };
  }
}

function fromBytes(input: Exclude<InstanceInput, string>): WireInstance {
  if (!isPart10(input.bytes)) {
    const { sopClassUid, sopInstanceUid, transferSyntaxUid } = input;
    return { dataset: Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength), sopClassUid, sopInstanceUid, transferSyntaxUid };
  }
  const wire = readPart10(input.bytes);
  if (wire.sopInstanceUid !== input.sopInstanceUid) {
    throw new Error(`meta header says SOP instance ${wire.sopInstanceUid}, caller says ${input.sopInstanceUid}`);
  }
  return wire;
}

/**
 * Runs at A-ASSOCIATE-AC, before dcmjs-dimse sends the first C-STORE (Client emits
 * 'associationAccepted' synchronously, then calls sendRequests). Picks each instance's
 * encoding for the syntax the peer accepted, and fails those whose SOP class it refused.
 */
function negotiate(
  association: DimseAssociation,
  requests: readonly DimseRequest[],
  datasets: readonly WireDataset[],
  destination: Destination,
  log: ExportLogger,
): (SendOutcome | undefined)[] {
  return requests.map((request, i) => {
    const dataset = datasets[i]!;
    const context = association.getAcceptedPresentationContextFromRequest(request);
    const syntax = context?.getAcceptedTransferSyntaxUid();
    if (!syntax) return contextRejected(destination, dataset.sopClassUid);
    try {
      if (dataset.encodeAs(syntax)) return undefined;
    } catch (err) {
      log.warn({ destination: destination.name, error: (err as Error).message }, 'cannot convert to implicit VR ourselves');
    }
    log.warn({ destination: destination.name, transferSyntaxUid: syntax }, 'leaving transcoding to dcmjs-dimse');
    return undefined;
  });
}

interface Run {
  stage: string;
  failure?: SendOutcome;
  readonly outcomes: (SendOutcome | undefined)[];
}

/**
 * One association: connect, negotiate, perform `requests` in order, release. Resolves once
 * the connection is closed or the deadline passes, with one outcome per request: its
 * response status if it got one, else the association-level failure.
 */
function associate(
  destination: Destination,
  requests: readonly DimseRequest[],
  options: SendOptions,
  onAccepted?: (association: DimseAssociation) => (SendOutcome | undefined)[],
): Promise<SendOutcome[]> {
  return new Promise((resolve) => {
    const client = new dimse.Client();
    const run: Run = { stage: 'connecting', outcomes: requests.map(() => undefined) };
    let socket: Socket | undefined;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      // Closing the connection is the transport-level abort (PS3.8 A-P-ABORT): a hung peer
      // would not read an A-ABORT PDU anyway. After a release it is already closed.
      socket?.destroy();
      const fallback = run.failure ?? { ok: false, retryable: true, error: `${describe(destination)} closed the connection before answering` };
      resolve(requests.map((_, i) => run.outcomes[i] ?? fallback));
    };
    const deadline = setTimeout(() => {
      run.failure ??= timeoutFailure(destination, options.timeoutMs, run.stage);
      finish();
    }, options.timeoutMs);
    requests.forEach((request, i) => {
      client.addRequest(request);
      request.on('response', (response: InstanceType<typeof dimse.responses.Response>) => {
        run.outcomes[i] ??= classifyStatus(response.getStatus(), response.getErrorComment());
      });
    });
    listen(client, run, destination, options, finish, onAccepted);
    socket = connect(client, run, destination, options, finish);
  });
}

function listen(
  client: DimseClient,
  run: Run,
  destination: Destination,
  options: SendOptions,
  finish: () => void,
  onAccepted?: (association: DimseAssociation) => (SendOutcome | undefined)[],
): void {
  // Listeners take one argument: async-event-emitter2 treats two-argument listeners as
  // callback-style and waits for the callback.
  client.on('connected', () => { run.stage = 'negotiating the association'; });
  client.on('associationAccepted', (association: DimseAssociation) => {
    run.stage = 'storing';
    onAccepted?.(association).forEach((o, i) => { if (o) run.outcomes[i] = o; });
  });
  client.on('associationRejected', (rejection: { result: number; source: number; reason: number }) => {
    run.failure ??= classifyRejection(rejection, destination, options.callingAeTitle);
  });
  client.on('networkError', (err: Error) => { run.failure ??= transportFailure(destination, err); });
  client.on('closed', () => finish());
}

/** Starts the association; returns its socket (undefined if send() threw). */
function connect(client: DimseClient, run: Run, destination: Destination, options: SendOptions, finish: () => void): Socket | undefined {
  const t = options.timeoutMs;
  try {
    asSharpxr(() => client.send(destination.host, destination.port, options.callingAeTitle, destination.aeTitle, {
      connectTimeout: t, associationTimeout: t, pduTimeout: t,
    }));
  } catch (err) {
    run.failure = invalidInput(`cannot start association with ${describe(destination)}: ${(err as Error).message}`);
    finish();
    return undefined;
  }
  const network = clientNetwork(client)!;
  // dcmjs-dimse leaves Nagle's algorithm on. A C-STORE ends with a small PDU (the data set's
  // tail) and the peer answers only once it has it, so Nagle holds that tail back until the
  // previous segment's delayed ACK: ~40-45 ms per instance on loopback. Node applies this
  // setting as soon as the connection exists, before the A-ASSOCIATE-RQ is written.
  network.socket.setNoDelay(true);
  // Runs before dcmjs-dimse's own 'error' listener, which wraps the error and drops err.code.
  network.socket.prependListener('error', (err: Error) => { run.failure ??= transportFailure(destination, err); });
  // Client does not forward A-ABORT; the peer may keep the socket open after it, so close now.
  network.on('abort', ({ source, reason }) => {
    run.failure ??= abortFailure(destination, source, reason);
    finish();
  });
  return network.socket;
}

function logOutcome(log: ExportLogger, d: Destination, dataset: WireDataset | undefined, o: SendOutcome, elapsedMs: number): void {
  const fields: Record<string, unknown> = {
    destination: d.name, aeTitle: d.aeTitle, sopInstanceUid: dataset?.getElement('SOPInstanceUID'), elapsedMs,
  };
  if (o.ok && o.status === 0) log.info(fields, 'C-STORE ok');
  else if (o.ok) log.warn({ ...fields, status: hex4(o.status) }, 'C-STORE ok with warning status');
  else if (o.retryable) log.warn({ ...fields, error: o.error }, 'C-STORE failed, will retry');
  else log.error({ ...fields, error: o.error }, 'C-STORE failed, not retryable');
}
