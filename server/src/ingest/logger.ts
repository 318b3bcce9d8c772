// The listener logs through whatever structured logger the node gives it (pino's shape:
// fields first, then the message), or nowhere. Fields are ids and statuses, never patient data.

export type LogFields = Record<string, unknown>;

export interface IngestLogger {
  info(fields: LogFields, msg: string): void;
  warn(fields: LogFields, msg: string): void;
  error(fields: LogFields, msg: string): void;
}

const noop = (): void => undefined;

export const NOOP_LOGGER: IngestLogger = { info: noop, warn: noop, error: noop };
