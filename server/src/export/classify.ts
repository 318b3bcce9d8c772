// What a send attempt means for the job queue: delivered, try again later, or stop and tell a human.
//
// The rule of thumb: retry what time can fix (the PACS is down, busy, slow or out of disk);
// fail fast and loudly what only a person can fix (wrong AE title, port pointing at the wrong
// service, a SOP class the PACS refuses, a data set it cannot parse). Retrying a
// misconfiguration only delays the dead-letter entry by the whole backoff schedule while
// images silently fail to arrive; a non-retryable outcome puts it on the admin's screen at
// once with the reason, and after fixing the config they requeue it.
//
// | Event                                              | ok    | retryable | why                                   |
// |----------------------------------------------------|-------|-----------|---------------------------------------|
// | status 0x0000 success                              | true  |           |                                       |
// | status 0xB000/0xB006/0xB007, 0xBxxx warnings       | true  |           | stored (coerced / elements discarded) |
// | status 0x0001, 0x0107, 0x0116 (PS3.7 C warnings)   | true  |           | stored                                |
// | status 0x0111 duplicate SOP instance               | true  |           | our UIDs are deterministic: the PACS  |
// |                                                    |       |           | already holds this very object        |
// | status 0xA7xx refused, out of resources            | false | true      | disk/DB full, usually cleared         |
// | status 0x0110 processing failure, 0x0213 resource  | false | true      | generic PACS-side hiccup; the queue's |
// |   limitation, 0xFE00 cancel                        |       |           | attempt limit bounds it               |
// | status 0xA9xx data set does not match SOP class    | false | false     | our object or the PACS config         |
// | status 0xCxxx cannot understand                    | false | false     | same bytes will fail the same way     |
// | status 0x0122 SOP class not supported, 0x0124 not  | false | false     | PACS configuration                    |
// |   authorized, any other failure status             |       |           | (status code in the error)            |
// | connection refused/reset, unreachable, DNS failure | false | true      | PACS down or restarting               |
// | no answer within timeoutMs                         | false | true      | PACS hung or overloaded               |
// | A-ABORT from the peer, connection lost mid-send    | false | true      | usually a PACS restart                |
// | A-ASSOCIATE-RJ transient, or congestion/limit      | false | true      | busy: too many associations           |
// | A-ASSOCIATE-RJ permanent (AE title unknown, ...)   | false | false     | configuration: fix the AE titles      |
// | presentation context rejected for the SOP class    | false | false     | PACS refuses the SOP class or syntax  |
// | our file missing, not Part 10, compressed          | false | false     | nothing to retry                      |

import type { Destination, SendOutcome } from './types.js';

export function hex4(status: number): string {
  return `0x${status.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Warning statuses: the instance is stored (PS3.4 B.2.3, PS3.7 C). */
function isWarning(status: number): boolean {
  return (status & 0xf000) === 0xb000 || status === 0x0001 || status === 0x0107 || status === 0x0116;
}

function isTransientFailure(status: number): boolean {
  return (status & 0xff00) === 0xa700 || status === 0x0110 || status === 0x0213 || status === 0xfe00;
}

function failureMeaning(status: number): string {
  if ((status & 0xff00) === 0xa700) return 'refused: out of resources';
  if ((status & 0xff00) === 0xa900) return 'data set does not match SOP class';
  if ((status & 0xf000) === 0xc000) return 'cannot understand';
  const named: Record<number, string> = {
    0x0110: 'processing failure', 0x0122: 'SOP class not supported', 0x0124: 'not authorized',
    0x0117: 'invalid object instance', 0x0213: 'resource limitation', 0xfe00: 'cancelled',
  };
  return named[status] ?? 'failure';
}

/** Outcome of a C-STORE (or C-ECHO) response status. */
export function classifyStatus(status: number, errorComment?: string): SendOutcome {
  if (status === 0x0000 || isWarning(status) || status === 0x0111) return { ok: true, status };
  const comment = errorComment ? ` (${errorComment})` : '';
  return {
    ok: false,
    status,
    retryable: isTransientFailure(status),
    error: `peer answered ${hex4(status)} ${failureMeaning(status)}${comment}`,
  };
}

export interface Rejection {
  readonly result: number;
  readonly source: number;
  readonly reason: number;
}

/** PS3.8 9.3.4: reason codes depend on the source (1 service user, 2 ACSE, 3 presentation). */
function rejectionReason(r: Rejection, destination: Destination, callingAeTitle: string): string {
  if (r.source === 1 && r.reason === 3) return `calling AE title "${callingAeTitle}" not recognized: add our node to the PACS's modality list`;
  if (r.source === 1 && r.reason === 7) return `called AE title "${destination.aeTitle}" not recognized: check the destination's AE title`;
  if (r.source === 1 && r.reason === 2) return 'application context name not supported';
  if (r.source === 2 && r.reason === 2) return 'protocol version not supported';
  if (r.source === 3 && r.reason === 1) return 'temporary congestion';
  if (r.source === 3 && r.reason === 2) return 'local limit exceeded';
  return `no reason given (source ${r.source}, reason ${r.reason})`;
}

/** Outcome of an A-ASSOCIATE-RJ. Congestion and limits are transient whatever the result says. */
export function classifyRejection(r: Rejection, destination: Destination, callingAeTitle: string): SendOutcome {
  const busy = r.source === 3;
  const transient = r.result === 2 || busy;
  return {
    ok: false,
    retryable: transient,
    error: `association rejected (${transient ? 'transient' : 'permanent'}) by ${describe(destination)}: ${rejectionReason(r, destination, callingAeTitle)}`,
  };
}

export function describe(d: Destination): string {
  return `${d.name} (${d.aeTitle}@${d.host}:${d.port})`;
}

/** Socket-level failures: all of them are the network or the peer's process, so retryable. */
export function transportFailure(destination: Destination, err: Error & { code?: string }): SendOutcome {
  const what = err.code === 'ECONNREFUSED' ? 'connection refused (nothing listening?)' : err.message;
  return { ok: false, retryable: true, error: `${describe(destination)}: ${what}` };
}

export function timeoutFailure(destination: Destination, timeoutMs: number, stage: string): SendOutcome {
  return { ok: false, retryable: true, error: `${describe(destination)}: no answer within ${timeoutMs} ms (${stage})` };
}

export function abortFailure(destination: Destination, source: number, reason: number): SendOutcome {
  return { ok: false, retryable: true, error: `${describe(destination)} aborted the association (source ${source}, reason ${reason})` };
}

/** The PACS accepted the association but none of our transfer syntaxes for this SOP class. */
export function contextRejected(destination: Destination, sopClassUid: string): SendOutcome {
  return {
    ok: false,
    retryable: false,
    error: `${describe(destination)} rejected the presentation context for SOP class ${sopClassUid} ` +
      '(explicit and implicit VR little endian): it does not accept this SOP class; consider secondaryCapture',
  };
}

export function invalidInput(message: string): SendOutcome {
  return { ok: false, retryable: false, error: message };
}
