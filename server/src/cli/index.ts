// `sharpxr <command>`: the command dispatcher. Each command module exports a
// `run(args, io)` that returns the process exit code, so commands are testable
// in-process and the bin script stays a one-liner.
import { consoleIo, type Command, type Io } from './command.js';

/** A command known by name and summary; its module loads only when it runs. `sharpxr denoise`
 *  then imports 160 ms of code instead of every command's (start pulls in the whole node:
 *  500 ms), which is wall time on every invocation. */
export interface LazyCommand {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: readonly LazyCommand[] = [
  { name: 'start', summary: 'run the DICOM node (listener, queue, denoising, export, /health, /metrics)',
    load: async () => (await import('./start.js')).startCommand },
  { name: 'check', summary: 'validate the configuration; --echo also tests every destination',
    load: async () => (await import('./check.js')).checkCommand },
  { name: 'denoise', summary: 'denoise PNG/JPEG and DICOM radiographs into an output folder',
    load: async () => (await import('./denoise.js')).denoiseCommand },
  { name: 'jobs', summary: 'list jobs, retry dead-lettered ones, send guard-held ones anyway',
    load: async () => (await import('./jobs.js')).jobsCommand },
  { name: 'instances', summary: 'list received instances, with the reason for the skipped ones',
    load: async () => (await import('./instances.js')).instancesCommand },
  { name: 'feedback', summary: 'readers\' accept/reject verdicts from the viewer, tallied per model version',
    load: async () => (await import('./feedback.js')).feedbackCommand },
  { name: 'user', summary: 'create and manage console accounts (the first admin: `sharpxr user add --admin <name>`)',
    load: async () => (await import('./user.js')).userCommand },
  { name: 'models', summary: 'the model registry: list, add (validated), promote, rollback, shadow mode, retire',
    load: async () => (await import('./models.js')).modelsCommand },
];

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
    return await (await command.load()).run(rest, io);
  } catch (err) {
    // Commands report expected failures themselves; this is the last resort.
    io.err(`sharpxr ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
