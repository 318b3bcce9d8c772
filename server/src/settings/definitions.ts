// The node settings the console shows and may change, each tied to its config file key.
// `live` says whether a change applies at once; the others are stored and applied at the next
// start (the listener's port and AE title, the HTTP port and the storage folder are bound or
// created once at start, and a half-moved node would be worse than a restart).
import { isAbsolute } from 'node:path';
import { ENV_KEYS, type NodeConfig } from '../config/index.js';
import { parseFragment, ValidationError } from './validate.js';

export const SETTING_IDS = ['aeTitle', 'dicomPort', 'httpPort', 'dataDir', 'retentionDays', 'guardPolicy'] as const;
export type SettingId = (typeof SETTING_IDS)[number];
export type SettingValue = string | number;

export interface SettingDef {
  readonly id: SettingId;
  /** The config file key (also the Setting row's key). */
  readonly path: readonly string[];
  readonly label: string;
  readonly live: boolean;
  /** What the value does and what changing it means, for the settings page. */
  readonly help: string;
  read(config: NodeConfig): SettingValue;
  /** `config` with this value in force. */
  apply(config: NodeConfig, value: SettingValue): NodeConfig;
}

export const SETTINGS: readonly SettingDef[] = [
  {
    id: 'aeTitle', path: ['dicom', 'aeTitle'], label: 'AE title', live: false,
    help: 'Our DICOM AE title: senders call it, destinations see it as the calling AE title. Change the PACS side too.',
    read: (c) => c.dicom.aeTitle, apply: (c, v) => ({ ...c, dicom: { ...c.dicom, aeTitle: String(v) } }),
  },
  {
    id: 'dicomPort', path: ['dicom', 'port'], label: 'DICOM port', live: false,
    help: 'The port the C-STORE listener binds.',
    read: (c) => c.dicom.port, apply: (c, v) => ({ ...c, dicom: { ...c.dicom, port: Number(v) } }),
  },
  {
    id: 'httpPort', path: ['http', 'port'], label: 'HTTP port', live: false,
    help: 'The port of this console, the API, /health and /metrics.',
    read: (c) => c.http.port, apply: (c, v) => ({ ...c, http: { ...c.http, port: Number(v) } }),
  },
  {
    id: 'dataDir', path: ['dataDir'], label: 'Storage folder', live: false,
    help: 'Received (store/) and derived (derived/) files go here. The database stays where the config file puts it; files already stored stay where they are and are still found.',
    read: (c) => c.dataDir, apply: (c, v) => ({ ...c, dataDir: String(v) }),
  },
  {
    id: 'retentionDays', path: ['retentionDays'], label: 'Retention (days)', live: true,
    help: 'Files of finished instances are deleted after this many days (0 = keep forever). Applies to the next sweep.',
    read: (c) => c.retentionDays, apply: (c, v) => ({ ...c, retentionDays: Number(v) }),
  },
  {
    id: 'guardPolicy', path: ['processing', 'guardPolicy'], label: 'Guard policy', live: true,
    help: 'What happens to an image the fidelity guard flags: send-marked (sent with GUARD in the description) or hold (kept for a person to send). Applies to jobs that start after the change.',
    read: (c) => c.processing.guard.policy,
    apply: (c, v) => ({ ...c, processing: { ...c.processing, guard: { ...c.processing.guard, policy: v as NodeConfig['processing']['guard']['policy'] } } }),
  },
];

export function settingDef(id: SettingId): SettingDef {
  return SETTINGS.find((d) => d.id === id)!;
}

export function settingKey(def: SettingDef): string {
  return def.path.join('.');
}

/** Validates one value as the config file would (same parser, same message). */
export function validateSetting(def: SettingDef, value: unknown, base: string): SettingValue {
  if (def.id === 'dataDir' && (typeof value !== 'string' || !isAbsolute(value))) {
    throw new ValidationError([{ field: def.id, message: `${settingKey(def)}: give an absolute path (the console has no folder to resolve a relative one against)` }]);
  }
  try {
    return def.read(parseFragment(fragment(def.path, value), base));
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw new ValidationError([{ field: def.id, message: (err as Error).message }]);
  }
}

/** The built-in default (no file, no environment, no console). */
export function defaultValue(def: SettingDef, base: string): SettingValue {
  return def.read(parseFragment({}, base));
}

/** Where the config-side value comes from: a SHARPXR_* variable, the file, or the default. */
export function configSource(def: SettingDef, file: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): 'environment' | 'config' | 'default' {
  const variable = Object.entries(ENV_KEYS).find(([, p]) => p.join('.') === settingKey(def))?.[0];
  if (variable && env[variable] !== undefined && env[variable] !== '') return 'environment';
  return lookup(file, def.path) === undefined ? 'default' : 'config';
}

function fragment(path: readonly string[], value: unknown): Record<string, unknown> {
  return path.reduceRight<Record<string, unknown>>((inner, key) => ({ [key]: inner }), value as never);
}

function lookup(obj: Readonly<Record<string, unknown>>, path: readonly string[]): unknown {
  let node: unknown = obj;
  for (const key of path) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node ?? undefined;
}
