// Export destinations (issue 3, item 10).

export interface Destination {
  /** Unique name, used in logs, metrics and the delivery records. */
  readonly name: string;
  readonly aeTitle: string;
  readonly host: string;
  readonly port: number;
  /** Send Secondary Capture instead of the source SOP class (PACS that refuse derived DX). */
  readonly secondaryCapture?: boolean;
}

export type SendOutcome =
  | { readonly ok: true; readonly status: number }
  /** retryable: the peer was unreachable, refused, timed out or answered a transient status. */
  | { readonly ok: false; readonly status?: number; readonly retryable: boolean; readonly error: string };

/** Pino-style logger (server/src/node/logger.ts's Logger fits). Fields never carry patient data. */
export interface ExportLogger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

export interface SendOptions {
  /** Our AE title, as the PACS knows it (its DicomModalities entry, Lua routing exclusions). */
  readonly callingAeTitle: string;
  /**
   * Upper bound for the whole association: connect, negotiation, every C-STORE and release.
   * A peer that hangs costs at most this long, then the outcome is a retryable timeout.
   */
  readonly timeoutMs: number;
  readonly logger?: ExportLogger;
}

/**
 * One instance to send: a Part 10 file on disk, or Part 10 bytes in memory (derive's
 * DerivedObject fits). Bytes without the "DICM" preamble are taken as a bare data set in
 * `transferSyntaxUid`. Explicit or implicit VR little endian only: we send uncompressed.
 */
export type InstanceInput =
  | string
  | {
      readonly bytes: Uint8Array;
      readonly sopClassUid: string;
      readonly sopInstanceUid: string;
      readonly transferSyntaxUid: string;
    };

/** Result of a C-ECHO (the admin console's "test destination"). */
export type EchoOutcome = SendOutcome & { readonly elapsedMs: number };
