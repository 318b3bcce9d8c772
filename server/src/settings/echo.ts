// "Test connection": a real C-ECHO (export/scu.ts's echoDestination, over dcmjs-dimse) with a
// deadline, answered in the shape the console shows: ok or not, the DIMSE status, the time,
// and an error an administrator can act on (refused, timeout, association rejected and why).
import { echoDestination, type Destination, type ExportLogger } from '../export/index.js';

export interface EchoResult {
  readonly ok: boolean;
  /** C-ECHO response status (0 = success), when the peer answered one. */
  readonly status: number | null;
  readonly ms: number;
  readonly error: string | null;
  /** A failure that time may fix (down, busy, slow) rather than a configuration to correct. */
  readonly retryable: boolean | null;
  /** Who was asked, as the PACS sees it. */
  readonly callingAeTitle: string;
  readonly destination: { readonly name: string; readonly aeTitle: string; readonly host: string; readonly port: number };
}

export interface EchoOptions {
  readonly callingAeTitle: string;
  readonly timeoutMs?: number;
  readonly logger?: ExportLogger;
}

/** Long enough for a PACS across a WAN, short enough that a person waits for it. */
export const ECHO_TIMEOUT_MS = 10_000;

export async function testConnection(destination: Destination, options: EchoOptions): Promise<EchoResult> {
  const outcome = await echoDestination(destination, {
    callingAeTitle: options.callingAeTitle, timeoutMs: options.timeoutMs ?? ECHO_TIMEOUT_MS,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const { name, aeTitle, host, port } = destination;
  return {
    ok: outcome.ok,
    status: outcome.status ?? null,
    ms: outcome.elapsedMs,
    error: outcome.ok ? null : outcome.error,
    retryable: outcome.ok ? null : outcome.retryable,
    callingAeTitle: options.callingAeTitle,
    destination: { name, aeTitle, host, port },
  };
}
