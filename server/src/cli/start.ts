// `sharpxr start [--config file]`: run the node until SIGTERM/SIGINT, then shut down
// gracefully (stop accepting associations, finish or release jobs, close the database).
import { parseArgs } from 'node:util';
import { ConfigError, loadNodeConfig } from '../config/index.js';
import { startNode } from '../main.js';
import { createLogger } from '../node/logger.js';
import { RulesError } from '../rules/index.js';
import type { Command } from './command.js';

const HELP = `usage: sharpxr start [--config <file>]

Runs the SharpXR DICOM node: C-ECHO/C-STORE listener, job queue, denoising, export to the
configured destinations, and HTTP (GET /health, GET /metrics).

options:
  --config <file>   YAML or JSON config (default: env SHARPXR_CONFIG, else built-in defaults);
                    see server/config/sharpxr.example.yaml. SHARPXR_* variables override keys.
  -h, --help        show this help`;

export const startCommand: Command = {
  name: 'start',
  summary: 'run the DICOM node (listener, queue, denoising, export, /health, /metrics)',
  async run(args, io) {
    let values: { config?: string | undefined; help?: boolean | undefined };
    try {
      ({ values } = parseArgs({ args: [...args], options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
    } catch (err) {
      io.err(`sharpxr start: ${(err as Error).message}\n\n${HELP}`);
      return 2;
    }
    if (values.help) {
      io.out(HELP);
      return 0;
    }
    let config;
    try {
      config = loadNodeConfig({ file: values.config });
    } catch (err) {
      if (err instanceof ConfigError) {
        io.err(`sharpxr start: invalid configuration: ${err.message}`);
        return 2;
      }
      throw err;
    }
    const log = createLogger(config.log.level);
    let node;
    try {
      node = await startNode(config, log);
    } catch (err) {
      const usage = err instanceof RulesError;
      log.error({ error: (err as Error).message }, 'the node could not start');
      return usage ? 2 : 1;
    }
    await untilSignal();
    await node.stop();
    return 0;
  },
};

/** Resolves on the first SIGTERM or SIGINT; a second one exits at once. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = (): void => {
      process.once('SIGTERM', () => process.exit(130));
      process.once('SIGINT', () => process.exit(130));
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
