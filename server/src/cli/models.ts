// `sharpxr models list|show|add|promote|rollback|shadow|unshadow|retire`: the model registry
// from the server's shell, the same registry and checks as the console's Models page. A
// running node picks a change up at its next image (it reads the active and shadow models
// for every image it queues, and each job names its model).
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadNodeConfig } from '../config/index.js';
import { migrateDatabase, openDatabase } from '../db/index.js';
import { HttpError } from '../http/errors.js';
import {
  label, ModelRegistry, modelViews, syncShippedModels, systemAudit, activatedBy, type ModelRecord, type ModelView, type RegistryAudit, type ValidationReport,
} from '../registry/index.js';
import type { Command, Io } from './command.js';

const HELP = `usage: sharpxr models list [--json]
       sharpxr models show <model>                    the model as JSON (metadata, metrics, jobs)
       sharpxr models add <file.onnx> [--metrics <file.json>]   validate and register (not yet active)
       sharpxr models promote <model>                 make it the active model
       sharpxr models rollback                        back to the model active before
       sharpxr models shadow <model>                  run it beside the active one; results kept, not sent
       sharpxr models unshadow                        end shadow mode
       sharpxr models retire <model>                  take it out of use (not the active one)
<model>: the registry id, or <name>@<version>. Every command takes --config <file>.`;

const OPTIONS = { config: { type: 'string' }, metrics: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;
const ACTIONS = ['list', 'show', 'add', 'promote', 'rollback', 'shadow', 'unshadow', 'retire'];

export const modelsCommand: Command = {
  name: 'models',
  summary: 'the model registry: list, add (validated), promote, rollback, shadow mode, retire',
  async run(args, io) {
    const { values, positionals } = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true });
    const [action, target] = positionals;
    if (values.help || !action || !ACTIONS.includes(action)) {
      (values.help ? io.out : io.err)(HELP);
      return values.help ? 0 : 2;
    }
    if (['show', 'add', 'promote', 'shadow', 'retire'].includes(action) && !target) {
      io.err(`sharpxr models ${action}: which ${action === 'add' ? 'file' : 'model'}?\n\n${HELP}`);
      return 2;
    }
    try {
      return await withRegistry(values.config, (registry, audit) => act(registry, audit, action, target, values, io));
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      io.err(`sharpxr models ${action}: ${err.message}${err.detail ? `\n${err.detail}` : ''}`);
      return 1;
    }
  },
};

async function withRegistry<T>(configFile: string | undefined, use: (registry: ModelRegistry, audit: RegistryAudit) => Promise<T>): Promise<T> {
  const config = loadNodeConfig({ file: configFile });
  await migrateDatabase(config.databaseUrl);
  const db = await openDatabase({ url: config.databaseUrl });
  try {
    const registry = new ModelRegistry(db, { modelsDir: join(config.dataDir, 'models'), validate: { threads: config.inference.threads } });
    // As the node does at start, so a fresh install lists its shipped models.
    await syncShippedModels(registry, { configuredModelPath: config.inference.modelPath, audit: systemAudit(db, 'system'), activatedBy: activatedBy(db) });
    return await use(registry, systemAudit(db, `cli:${userInfo().username}`));
  } finally {
    await db.$disconnect();
  }
}

type Values = { readonly metrics?: string | undefined; readonly json?: boolean | undefined };

async function act(registry: ModelRegistry, audit: RegistryAudit, action: string, target: string | undefined, values: Values, io: Io): Promise<number> {
  const find = (): Promise<ModelRecord> => resolveModel(registry, target!);
  switch (action) {
    case 'list':
      return list(await modelViews(registry.db, await registry.list()), values.json === true, io);
    case 'show':
      io.out(JSON.stringify((await modelViews(registry.db, [await find()]))[0], null, 2));
      return 0;
    case 'add': {
      const metrics = values.metrics ? readMetrics(values.metrics) : undefined;
      const { model, report } = await registry.register(resolve(target!), { source: 'upload', createdBy: `cli:${userInfo().username}`, ...(metrics ? { metrics } : {}), audit });
      printReport(report, io);
      io.out(`registered ${label(model)} as ${model.id} (${model.file}); promote it with: sharpxr models promote ${model.id}`);
      return 0;
    }
    case 'promote': {
      const { model, previous } = await registry.promote((await find()).id, audit);
      io.out(`${label(model)} is active${previous ? ` (was ${label(previous)})` : ''}`);
      return 0;
    }
    case 'rollback': {
      const { model, previous } = await registry.rollback(audit);
      io.out(`${label(model)} is active again (was ${label(previous)})`);
      return 0;
    }
    case 'shadow':
      io.out(`${label(await registry.setShadow((await find()).id, audit))} is in shadow mode: its results are kept, never sent`);
      return 0;
    case 'unshadow': {
      const model = await registry.clearShadow(audit);
      io.out(model ? `shadow mode ended (${label(model)})` : 'shadow mode was off');
      return 0;
    }
    default:
      io.out(`${label(await registry.retire((await find()).id, audit))} retired`);
      return 0;
  }
}

/** The registry id, or name@version. */
async function resolveModel(registry: ModelRegistry, ref: string): Promise<ModelRecord> {
  const at = ref.lastIndexOf('@');
  if (at > 0) {
    const model = await registry.find(ref.slice(0, at), ref.slice(at + 1));
    if (!model) throw new HttpError(404, `no model ${ref} in the registry (sharpxr models list)`);
    return model;
  }
  return registry.get(ref);
}

function list(views: readonly ModelView[], json: boolean, io: Io): number {
  if (json) {
    io.out(JSON.stringify(views, null, 2));
    return 0;
  }
  for (const m of views) {
    io.out([m.id, m.name, m.version, m.status, m.source, m.stage ?? '-', `${m.jobs.total} jobs`, m.createdAt.slice(0, 19)].join('\t'));
  }
  return 0;
}

function printReport(report: ValidationReport, io: Io): void {
  for (const c of report.checks) io.err(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
}

function readMetrics(path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new HttpError(400, `--metrics ${path}: ${(err as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, `--metrics ${path}: expected a JSON object`);
  return value as Record<string, unknown>;
}
