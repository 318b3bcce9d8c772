// What every CLI command looks like, and where it writes.

export interface Io {
  /** Results, one line per call (stdout). */
  out(line: string): void;
  /** Progress, warnings and errors (stderr). */
  err(line: string): void;
}

export const consoleIo: Io = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

export interface Command {
  readonly name: string;
  readonly summary: string;
  run(args: readonly string[], io: Io): Promise<number>;
}

export class UsageError extends Error {
  override name = 'UsageError';
}
