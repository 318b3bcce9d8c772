// `sharpxr check [--config file] [--echo]`: validate a configuration without starting the node
// (like `nginx -t`), and optionally C-ECHO every destination, so an administrator finds a typo
// or a wrong AE title before the first image is dead-lettered for it.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadNodeConfig, printableConfig, type NodeConfig } from '../config/index.js';
import { echoDestination } from '../export/index.js';
import { silenceDimseConsole } from '../ingest/dimse.js';
import { DEFAULT_RULES, parseRules, RulesError } from '../rules/index.js';
import type { Command, Io } from './command.js';

const HELP = `usage: sharpxr check [--config <file>] [--echo]

Validates the configuration (file, SHARPXR_* environment, selection rules, model file) and
prints the effective settings. Exit 0 when valid, 2 when not.

options:
  --config <file>  as for sharpxr start
  --echo           also C-ECHO every destination (exit 1 if one does not answer)
  -h, --help       show this help`;

export const checkCommand: Command = {
  name: 'check',
  summary: 'validate the configuration; --echo also tests every destination',
  async run(args, io) {
    const { values } = parseArgs({ args: [...args], options: { config: { type: 'string' }, echo: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
    if (values.help) {
      io.out(HELP);
      return 0;
    }
    let config: NodeConfig;
    try {
      config = loadNodeConfig({ file: values.config });
      const rules = config.rules === undefined ? DEFAULT_RULES : parseRules(config.rules);
      if (!existsSync(config.inference.modelPath)) throw new ConfigError(`model: file not found: ${config.inference.modelPath}`);
      io.out(`configuration valid: AE ${config.dicom.aeTitle} on port ${config.dicom.port}, HTTP ${config.http.host}:${config.http.port}, ` +
        `data in ${config.dataDir}, ${rules.length} selection rule(s), ${config.destinations.length} destination(s)`);
      io.out(JSON.stringify({ ...printableConfig(config), rules }, null, 2));
    } catch (err) {
      if (!(err instanceof ConfigError || err instanceof RulesError)) throw err;
      io.err(`sharpxr check: invalid configuration: ${err.message}`);
      return 2;
    }
    return values.echo ? echoAll(config, io) : 0;
  },
};

async function echoAll(config: NodeConfig, io: Io): Promise<number> {
  silenceDimseConsole(); // dcmjs-dimse logs every PDU to the console otherwise
  let failed = 0;
  for (const d of config.destinations) {
    const r = await echoDestination(d, { callingAeTitle: config.dicom.aeTitle, timeoutMs: 10_000 });
    if (r.ok) io.out(`C-ECHO ${d.name} (${d.aeTitle}@${d.host}:${d.port}): ok in ${r.elapsedMs} ms`);
    else {
      failed++;
      io.err(`C-ECHO ${d.name} (${d.aeTitle}@${d.host}:${d.port}): FAILED: ${r.error}`);
    }
  }
  return failed === 0 ? 0 : 1;
}
