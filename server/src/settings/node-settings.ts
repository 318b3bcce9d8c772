// The node settings side of RuntimeSettings: console values (Setting rows keyed by the config
// path) over the config file, what each one's source is, and what is in force now.
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Setting } from '@prisma/client';
import { configInputs, type NodeConfig } from '../config/index.js';
import {
  configSource, defaultValue, SETTINGS, settingKey, validateSetting, type SettingDef, type SettingId, type SettingValue,
} from './definitions.js';
import { ValidationError, type FieldIssue } from './validate.js';

export interface SettingView {
  readonly id: SettingId;
  readonly key: string;
  readonly label: string;
  readonly help: string;
  /** Applies without a restart. */
  readonly live: boolean;
  /** The value that applies (console, else config file or environment, else default). */
  readonly value: SettingValue;
  readonly source: 'console' | 'environment' | 'config' | 'default';
  readonly consoleValue: SettingValue | null;
  /** What the config file (or environment, or default) says: the value without the console. */
  readonly configValue: SettingValue;
  readonly defaultValue: SettingValue;
  /** What the running node uses now. */
  readonly runningValue: SettingValue;
  /** Saved, but the node runs with another value until it is restarted. */
  readonly restartRequired: boolean;
  readonly updatedAt: string | null;
  readonly updatedBy: string | null;
}

export type ConsoleValues = ReadonlyMap<SettingId, { readonly value: SettingValue; readonly row: Setting }>;

export function inputsOf(config: NodeConfig): { file: Readonly<Record<string, unknown>>; env: NodeJS.ProcessEnv; base: string } {
  return configInputs(config) ?? { file: {}, env: {}, base: process.cwd() };
}

/** Console values from the Setting rows; a stored value that no longer validates is skipped. */
export function consoleValues(config: NodeConfig, rows: readonly Setting[], warn: (msg: string) => void): Map<SettingId, { value: SettingValue; row: Setting }> {
  const out = new Map<SettingId, { value: SettingValue; row: Setting }>();
  const base = inputsOf(config).base;
  for (const def of SETTINGS) {
    const row = rows.find((r) => r.key === settingKey(def));
    if (!row) continue;
    try {
      out.set(def.id, { value: validateSetting(def, JSON.parse(row.valueJson), base), row });
    } catch (err) {
      warn(`console setting ${row.key} ignored: ${(err as Error).message}`);
    }
  }
  return out;
}

/** The config with every console value applied (what the node starts with). */
export function withConsoleValues(config: NodeConfig, values: ConsoleValues, only?: (def: SettingDef) => boolean): NodeConfig {
  let out = config;
  for (const def of SETTINGS) {
    const v = values.get(def.id);
    if (v && (!only || only(def))) out = def.apply(out, v.value);
  }
  return out;
}

export function settingViews(fileConfig: NodeConfig, running: NodeConfig, values: ConsoleValues): SettingView[] {
  const { file, env, base } = inputsOf(fileConfig);
  return SETTINGS.map((def) => {
    const stored = values.get(def.id);
    const configValue = def.read(fileConfig);
    const value = stored ? stored.value : configValue;
    const runningValue = def.read(running);
    return {
      id: def.id, key: settingKey(def), label: def.label, help: def.help, live: def.live,
      value, source: stored ? 'console' : configSource(def, file, env), consoleValue: stored?.value ?? null,
      configValue, defaultValue: defaultValue(def, base), runningValue, restartRequired: value !== runningValue,
      updatedAt: stored?.row.updatedAt.toISOString() ?? null, updatedBy: stored?.row.updatedBy ?? null,
    };
  });
}

export type SettingsPatch = Partial<Record<SettingId, unknown>>;

/** Validates a patch (null = back to the config value); every wrong field is reported. */
export async function validatePatch(config: NodeConfig, patch: SettingsPatch): Promise<Map<SettingId, SettingValue | null>> {
  const base = inputsOf(config).base;
  const issues: FieldIssue[] = [];
  const out = new Map<SettingId, SettingValue | null>();
  for (const def of SETTINGS) {
    if (!(def.id in patch) || patch[def.id] === undefined) continue;
    const raw = patch[def.id];
    if (raw === null) {
      out.set(def.id, null);
      continue;
    }
    try {
      const value = validateSetting(def, raw, base);
      if (def.id === 'dataDir') await ensureWritable(String(value));
      out.set(def.id, value);
    } catch (err) {
      if (err instanceof ValidationError) issues.push(...err.issues);
      else issues.push({ field: def.id, message: `${settingKey(def)}: ${(err as Error).message}` });
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return out;
}

/**
 * A storage folder that cannot be written would only fail at the next start: say so now. The
 * folder is created (one level at a time: Node 20's recursive mkdir never returns under /proc).
 */
async function ensureWritable(dir: string): Promise<void> {
  try {
    await makeDir(dir);
    if (!(await stat(dir)).isDirectory()) throw new Error('not a folder');
    await access(dir, constants.W_OK);
  } catch (err) {
    throw new Error(`cannot create or write ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

async function makeDir(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw err;
    await makeDir(dirname(dir));
    await mkdir(dir);
  }
}
