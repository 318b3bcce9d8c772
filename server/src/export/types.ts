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
