// Environment overrides for `sharpxr start`: each variable replaces one key of the config
// file, so a container or systemd unit can change a port or a destination without editing
// the file. Values stay strings here; the typed parser converts and validates them.
import { ConfigError } from './config.js';

type Obj = Record<string, unknown>;

/** Variable -> key path in the config object. */
export const ENV_KEYS: Readonly<Record<string, readonly string[]>> = {
  SHARPXR_AE_TITLE: ['dicom', 'aeTitle'],
  SHARPXR_DICOM_HOST: ['dicom', 'host'],
  SHARPXR_DICOM_PORT: ['dicom', 'port'],
  SHARPXR_ALLOWED_AE_TITLES: ['dicom', 'allowedCallingAeTitles'],
  SHARPXR_HTTP_HOST: ['http', 'host'],
  SHARPXR_HTTP_PORT: ['http', 'port'],
  SHARPXR_DATA_DIR: ['dataDir'],
  SHARPXR_RETENTION_DAYS: ['retentionDays'],
  SHARPXR_DATABASE_URL: ['database', 'url'],
  SHARPXR_STRENGTH: ['processing', 'strength'],
  SHARPXR_GUARD_POLICY: ['processing', 'guardPolicy'],
  SHARPXR_MAX_ATTEMPTS: ['queue', 'maxAttempts'],
  SHARPXR_BACKOFF_BASE_MS: ['queue', 'backoffBaseMs'],
  SHARPXR_LEASE_MS: ['queue', 'leaseMs'],
  SHARPXR_LOG_LEVEL: ['log', 'level'],
  SHARPXR_DICOMWEB_URL: ['viewer', 'dicomWebUrl'],
  // The model keys (SHARPXR_MODEL, SHARPXR_PROVIDERS, SHARPXR_TILE, ...) are read by
  // loadInferenceConfig, shared with `sharpxr denoise`.
};

/**
 * SHARPXR_DESTINATIONS="pacs=ORTHANC@10.0.0.5:4242,archive=ARCH@10.0.0.6:104;sc" replaces the
 * destinations list (";sc" asks for Secondary Capture).
 */
export function parseDestinationsEnv(value: string): Obj[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map((item) => {
    const m = /^([^=]+)=([^@]+)@([^:]+):(\d+)(;sc)?$/.exec(item);
    if (!m) throw new ConfigError(`SHARPXR_DESTINATIONS: "${item}" is not name=AE@host:port[;sc]`);
    return { name: m[1]!.trim(), aeTitle: m[2]!.trim(), host: m[3]!.trim(), port: Number(m[4]), secondaryCapture: m[5] !== undefined };
  });
}

/** A copy of `raw` with every set SHARPXR_* variable applied. */
export function applyEnvOverrides(raw: Obj, env: NodeJS.ProcessEnv): Obj {
  const out: Obj = structuredClone(raw);
  for (const [name, path] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(out, path, value);
  }
  if (env.SHARPXR_DESTINATIONS) out.destinations = parseDestinationsEnv(env.SHARPXR_DESTINATIONS);
  return out;
}

function setPath(obj: Obj, path: readonly string[], value: unknown): void {
  let node = obj;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === undefined || next === null) node[key] = {};
    else if (typeof next !== 'object' || Array.isArray(next)) throw new ConfigError(`${path.join('.')}: cannot override, "${key}" is not a mapping`);
    node = node[key] as Obj;
  }
  node[path[path.length - 1]!] = value;
}
