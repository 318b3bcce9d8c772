// `sharpxr <command>`: the command dispatcher. Each command module exports a
// `run(args, io)` that returns the process exit code, so commands are testable
// in-process and the bin script stays a one-liner.
import { denoiseCommand } from './denoise.js';
import { checkCommand } from './check.js';
import { feedbackCommand } from './feedback.js';
import { instancesCommand } from './instances.js';
import { jobsCommand } from './jobs.js';
import { modelsCommand } from './models.js';
import { startCommand } from './start.js';
import { userCommand } from './user.js';
import { consoleIo, type Command, type Io } from './command.js';

const COMMANDS: readonly Command[] = [startCommand, checkCommand, denoiseCommand, jobsCommand, instancesCommand, feedbackCommand, userCommand, modelsCommand];

export const EXIT_USAGE = 2;

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: sharpxr <command> [options]',
    '',
    'SharpXR: a DICOM node that denoises chest radiographs.',
    '',
    'commands:',
    ...lines,
    '',
    'Run `sharpxr <command> --help` for a command\'s options.',
  ].join('\n');
}

export async function main(argv: readonly string[], io: Io = consoleIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`sharpxr: unknown command "${name}"\n\n${usage()}`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    // Commands report expected failures themselves; this is the last resort.
    io.err(`sharpxr ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
