// Structured logs: one JSON object per line on stdout, pino-style calls `log.info(fields, msg)`.
// Child loggers carry context (association id, job id). Patient-identifying attributes are
// dropped by name as a last line of defence: no code should pass them, and none reaches a log.
import type { LogLevel } from '../config/node-config.js';

export interface Logger {
  debug(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
  child(fields: Record<string, unknown>): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Attribute names that identify a patient; never logged even if passed by mistake. */
const REDACTED = new Set(['PatientName', 'PatientID', 'PatientBirthDate', 'OtherPatientNames', 'OtherPatientIDs',
  'PatientAddress', 'patientName', 'patientId', 'patientBirthDate']);

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stdout.write(l), base: Record<string, unknown> = {}): Logger {
  const emit = (lvl: LogLevel, fields: Record<string, unknown>, msg: string): void => {
    if (ORDER[lvl] < ORDER[level]) return;
    const record: Record<string, unknown> = { time: new Date().toISOString(), level: lvl, msg };
    for (const [k, v] of Object.entries({ ...base, ...fields })) {
      if (!REDACTED.has(k)) record[k] = v instanceof Error ? v.message : v;
    }
    write(`${JSON.stringify(record)}\n`);
  };
  return {
    debug: (f, m) => emit('debug', f, m),
    info: (f, m) => emit('info', f, m),
    warn: (f, m) => emit('warn', f, m),
    error: (f, m) => emit('error', f, m),
    child: (fields) => createLogger(level, write, { ...base, ...fields }),
  };
}

export const silentLogger: Logger = {
  debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => silentLogger,
};
