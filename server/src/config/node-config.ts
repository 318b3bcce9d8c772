// Typed configuration of the running node (`sharpxr start`), parsed and validated once.
// Precedence: environment > config file (YAML or JSON) > defaults. Every error names the
// key it is about, so a PACS administrator can fix the file without reading code.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_GUARD, type GuardOptions, type GuardPolicy } from '../pipeline/guard/index.js';
import { ConfigError, loadInferenceConfig, type InferenceConfig } from './config.js';
import { applyEnvOverrides } from './node-env.js';
import { Reader } from './reader.js';
import { printableViewer, viewerSection, type ViewerConfig } from './viewer-config.js';

export interface DestinationConfig {
  readonly name: string;
  readonly aeTitle: string;
  readonly host: string;
  readonly port: number;
  /** Send Secondary Capture instead of the source SOP class (PACS that refuse derived DX). */
  readonly secondaryCapture: boolean;
}

export interface NodeConfig {
  readonly dicom: {
    readonly aeTitle: string;
    readonly host: string;
    readonly port: number;
    /** Empty: any calling AE title may associate. */
    readonly allowedCallingAeTitles: readonly string[];
    /** More associations at once are rejected transiently (the sender retries). */
    readonly maxAssociations: number;
  };
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly auth: {
      /** GET /metrics without a login (Prometheus scrapers); /health is always public. */
      readonly publicMetrics: boolean;
      readonly sessionIdleHours: number;
      readonly sessionMaxHours: number;
      /** 'auto': Secure cookies when the request came over HTTPS. */
      readonly secureCookies: 'auto' | boolean;
    };
    /** Express `trust proxy`: set when a reverse proxy (TLS) sits in front, so client IPs and HTTPS are seen. */
    readonly trustProxy: boolean | string;
  };
  /** Received instances, derived objects and the embedded database live here. */
  readonly dataDir: string;
  /** Days a finished instance's files are kept (0: forever); see node/retention.ts. */
  readonly retentionDays: number;
  readonly databaseUrl: string;
  readonly inference: InferenceConfig;
  readonly processing: {
    readonly guard: GuardOptions;
    readonly seriesNumberOffset: number;
    /** Undefined: " DENOISED <model version>". */
    readonly descriptionSuffix: string | undefined;
    readonly notForDiagnosticUse: boolean;
    /**
     * Jobs in flight at once. Decode and inference run one image at a time in the pipeline
     * worker (it uses every core); a second job can only overlap its export with the next
     * image's inference, so 1 is the default.
     */
    readonly concurrency: number;
  };
  readonly queue: {
    readonly maxAttempts: number;
    readonly backoffBaseMs: number;
    readonly backoffMaxMs: number;
    readonly leaseMs: number;
    readonly pollMs: number;
    /** A destination unreachable for less than this does not use up its jobs' attempts. */
    readonly destinationOutageHours: number;
  };
  readonly destinations: readonly DestinationConfig[];
  /** Validated by the rules module (parseRules); undefined selects the default rule set. */
  readonly rules: unknown;
  readonly viewer: ViewerConfig;
  readonly log: { readonly level: LogLevel };
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const AE_TITLE = /^[\x20-\x5b\x5d-\x7e]{1,16}$/; // 16 chars of the default repertoire, no backslash

export interface LoadOptions {
  /** Config file (default: SHARPXR_CONFIG); relative paths inside it resolve against its folder. */
  readonly file?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /** Where relative paths resolve when there is no file (default: the working directory). */
  readonly cwd?: string;
}

export function loadNodeConfig(options: LoadOptions = {}): NodeConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.SHARPXR_CONFIG;
  const raw = file ? readConfigFile(file) : {};
  const base = file ? dirname(resolve(file)) : resolve(options.cwd ?? '.');
  const config = parseNodeConfig(applyEnvOverrides(raw, env), base, env);
  INPUTS.set(config, { file: raw, env, base });
  return config;
}

/** What a parsed config was made from: the console says where each value came from (settings/). */
export interface ConfigInputs {
  /** The file's own values, before the environment was applied. */
  readonly file: Readonly<Record<string, unknown>>;
  readonly env: NodeJS.ProcessEnv;
  /** Where relative paths resolved. */
  readonly base: string;
}

const INPUTS = new WeakMap<NodeConfig, ConfigInputs>();

export function configInputs(config: NodeConfig): ConfigInputs | undefined {
  return INPUTS.get(config);
}

export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`config file ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${file}: ${(err as Error).message}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`config file ${file}: expected a mapping at the top`);
  return value as Record<string, unknown>;
}

/** Validates a raw (already env-merged) object; `base` resolves relative paths. */
export function parseNodeConfig(raw: Record<string, unknown>, base: string, env: NodeJS.ProcessEnv = {}): NodeConfig {
  const r = new Reader(raw, '');
  r.only(['dicom', 'http', 'dataDir', 'retentionDays', 'database', 'model', 'processing', 'queue', 'destinations', 'rules', 'viewer', 'log']);
  const dataDir = absolute(r.string('dataDir', 'var'), base);
  const config: NodeConfig = {
    dicom: dicomSection(r.section('dicom')),
    http: httpSection(r.section('http')),
    dataDir,
    retentionDays: r.integer('retentionDays', 14, 0, 3650),
    databaseUrl: databaseUrl(r.section('database'), dataDir, base),
    inference: inferenceSection(r.section('model'), base, env),
    processing: processingSection(r.section('processing')),
    queue: queueSection(r.section('queue')),
    destinations: destinationsSection(r.list('destinations')),
    rules: raw.rules,
    viewer: viewerSection(r.section('viewer'), base),
    log: { level: r.section('log').only(['level']).oneOf('level', LOG_LEVELS, 'info') },
  };
  // Without loadNodeConfig (tests, check), the env-merged object stands for the file.
  INPUTS.set(config, { file: raw, env: {}, base });
  return deepFreeze(config);
}

/** The configuration with its secrets masked, for printing (`sharpxr check`). */
export function printableConfig(config: NodeConfig): Record<string, unknown> {
  return { ...config, viewer: printableViewer(config.viewer) };
}

function dicomSection(r: Reader): NodeConfig['dicom'] {
  r.only(['aeTitle', 'host', 'port', 'allowedCallingAeTitles', 'maxAssociations']);
  const aeTitle = aeTitleOf(r, 'aeTitle', 'SHARPXR');
  const allowed = r.stringList('allowedCallingAeTitles', []);
  allowed.forEach((ae, i) => {
    if (!AE_TITLE.test(ae.trim())) throw new ConfigError(`${r.path('allowedCallingAeTitles')}[${i}]: "${ae}" is not an AE title`);
  });
  return {
    aeTitle, host: r.string('host', '0.0.0.0'), port: r.integer('port', 11112, 0, 65535),
    allowedCallingAeTitles: allowed.map((a) => a.trim()), maxAssociations: r.integer('maxAssociations', 32, 1, 1000),
  };
}

function httpSection(r: Reader): NodeConfig['http'] {
  r.only(['host', 'port', 'auth', 'trustProxy']);
  const a = r.section('auth');
  a.only(['publicMetrics', 'sessionIdleHours', 'sessionMaxHours', 'secureCookies']);
  const secure = a.booleanOrString('secureCookies') ?? 'auto';
  if (secure !== 'auto' && typeof secure !== 'boolean') throw new ConfigError(`${a.path('secureCookies')}: expected auto, true or false`);
  const trust = r.booleanOrString('trustProxy') ?? false;
  // Loopback by default: a new node listens where only its own host reaches the console until
  // an admin has made the first account and chosen to expose it.
  return {
    host: r.string('host', '127.0.0.1'), port: r.integer('port', 8080, 0, 65535),
    auth: {
      publicMetrics: a.boolean('publicMetrics', true),
      sessionIdleHours: a.integer('sessionIdleHours', 8, 1, 24 * 30),
      sessionMaxHours: a.integer('sessionMaxHours', 24, 1, 24 * 90),
      secureCookies: secure,
    },
    trustProxy: trust,
  };
}

function databaseUrl(r: Reader, dataDir: string, base: string): string {
  r.only(['url']);
  const url = r.optionalString('url');
  if (url === undefined) return `file:${resolve(dataDir, 'sharpxr.db')}`;
  if (url.startsWith('file:')) return `file:${absolute(url.slice(5), base)}`;
  if (/^postgres(ql)?:\/\//.test(url)) return url;
  throw new ConfigError(`${r.path('url')}: expected file:<path> or postgresql://…, got "${url}"`);
}

function inferenceSection(r: Reader, base: string, env: NodeJS.ProcessEnv): InferenceConfig {
  r.only(['path', 'providers', 'tile', 'overlap', 'threads', 'batch']);
  const path = r.optionalString('path');
  try {
    return loadInferenceConfig({
      model: path === undefined ? undefined : absolute(path, base),
      providers: r.optionalStringOrList('providers'),
      tile: r.optionalNumber('tile'), overlap: r.optionalNumber('overlap'),
      threads: r.optionalNumber('threads'), batch: r.optionalNumber('batch'),
    }, env);
  } catch (err) {
    throw new ConfigError(`model: ${(err as Error).message}`);
  }
}

function processingSection(r: Reader): NodeConfig['processing'] {
  r.only(['strength', 'k', 'maxClippedFraction', 'guardPolicy', 'seriesNumberOffset', 'descriptionSuffix',
    'notForDiagnosticUse', 'concurrency']);
  const guard: GuardOptions = {
    strength: r.number('strength', DEFAULT_GUARD.strength, 0, 1),
    k: r.number('k', DEFAULT_GUARD.k, 0.5, 100),
    maxClippedFraction: r.number('maxClippedFraction', DEFAULT_GUARD.maxClippedFraction, 0, 1),
    policy: r.oneOf('guardPolicy', ['send-marked', 'hold'] as const, DEFAULT_GUARD.policy) as GuardPolicy,
  };
  const suffix = r.optionalString('descriptionSuffix');
  if (suffix !== undefined && suffix.length > 40) throw new ConfigError(`${r.path('descriptionSuffix')}: at most 40 characters (Series Description is LO, 64)`);
  return {
    guard,
    seriesNumberOffset: r.integer('seriesNumberOffset', 1000, 0, 1_000_000),
    descriptionSuffix: suffix,
    notForDiagnosticUse: r.boolean('notForDiagnosticUse', true),
    concurrency: r.integer('concurrency', 1, 1, 16),
  };
}

function queueSection(r: Reader): NodeConfig['queue'] {
  r.only(['maxAttempts', 'backoffBaseMs', 'backoffMaxMs', 'leaseMs', 'pollMs', 'destinationOutageHours']);
  const backoffBaseMs = r.integer('backoffBaseMs', 5_000, 10, 3_600_000);
  const backoffMaxMs = r.integer('backoffMaxMs', 600_000, 10, 86_400_000);
  if (backoffMaxMs < backoffBaseMs) throw new ConfigError(`${r.path('backoffMaxMs')}: must be at least backoffBaseMs (${backoffBaseMs})`);
  return {
    maxAttempts: r.integer('maxAttempts', 5, 1, 100),
    backoffBaseMs, backoffMaxMs,
    leaseMs: r.integer('leaseMs', 120_000, 1_000, 3_600_000),
    pollMs: r.integer('pollMs', 500, 10, 60_000),
    // Three days covers a PACS down over a long weekend; past it a human should look.
    destinationOutageHours: r.number('destinationOutageHours', 72, 0, 24 * 365),
  };
}

function destinationsSection(items: Reader[]): DestinationConfig[] {
  const destinations = items.map((r) => {
    r.only(['name', 'aeTitle', 'host', 'port', 'secondaryCapture']);
    return {
      name: r.requiredString('name'), aeTitle: aeTitleOf(r, 'aeTitle'), host: r.requiredString('host'),
      port: r.integer('port', undefined, 1, 65535), secondaryCapture: r.boolean('secondaryCapture', false),
    };
  });
  const names = new Set<string>();
  for (const d of destinations) {
    if (names.has(d.name)) throw new ConfigError(`destinations: the name "${d.name}" is used twice`);
    names.add(d.name);
  }
  return destinations;
}

function aeTitleOf(r: Reader, key: string, fallback?: string): string {
  const value = (fallback === undefined ? r.requiredString(key) : r.string(key, fallback)).trim();
  if (!AE_TITLE.test(value)) throw new ConfigError(`${r.path(key)}: "${value}" is not an AE title (1-16 characters, no backslash)`);
  return value;
}

function absolute(path: string, base: string): string {
  return isAbsolute(path) ? path : resolve(base, path);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
