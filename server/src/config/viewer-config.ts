// The `viewer:` section: OHIF served at /viewer/, the DICOMweb proxy at /dicom-web and the
// viewer's API. Credentials in dicomWebUrl (http://user:pass@host/…) are split off here so the
// URL can be printed and logged; only the proxy ever sees them.
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from './config.js';
import { repoRoot } from './manifest.js';
import type { Reader } from './reader.js';

export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

export interface ViewerConfig {
  /** False: no /viewer, /dicom-web or viewer API routes at all. */
  readonly enabled: boolean;
  /** The PACS's DICOMweb root, without credentials and without a trailing slash. */
  readonly dicomWebUrl: string;
  /** From user:password@ in the configured URL; sent as Basic authorization, never printed. */
  readonly dicomWebCredentials: BasicCredentials | undefined;
  /** Connect and idle timeout of a proxied request. */
  readonly timeoutMs: number;
  /** OHIF's prebuilt dist, relocated to /viewer/ by scripts/setup-viewer.sh. */
  readonly ohifDir: string;
  /** Our compiled extension and mode (ES modules), served at /viewer/sharpxr/. */
  readonly extensionDir: string;
}

export const DEFAULT_DICOMWEB_URL = 'http://127.0.0.1:8042/dicom-web';

export function viewerSection(r: Reader, base: string): ViewerConfig {
  r.only(['enabled', 'dicomWebUrl', 'timeoutMs', 'ohifDir', 'extensionDir']);
  const url = parseDicomWebUrl(r.string('dicomWebUrl', DEFAULT_DICOMWEB_URL), r.path('dicomWebUrl'));
  const ohifDir = r.optionalString('ohifDir');
  const extensionDir = r.optionalString('extensionDir');
  return {
    enabled: r.boolean('enabled', true),
    dicomWebUrl: url.url,
    dicomWebCredentials: url.credentials,
    timeoutMs: r.integer('timeoutMs', 30_000, 100, 600_000),
    // Like the model: a configured path is relative to the config file, the default lives in
    // the repository (where setup-viewer.sh puts it), wherever the node is started from.
    ohifDir: ohifDir === undefined ? join(repoRoot(), 'viewer-extension', 'ohif') : absolute(ohifDir, base),
    extensionDir: extensionDir === undefined ? join(repoRoot(), 'viewer-extension', 'dist') : absolute(extensionDir, base),
  };
}

/** Splits credentials off a DICOMweb root URL; errors never repeat the password. */
export function parseDicomWebUrl(value: string, key: string): { url: string; credentials: BasicCredentials | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(value.trim());
  } catch {
    throw new ConfigError(`${key}: "${maskCredentials(value)}" is not a URL (expected http://host:port/dicom-web)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`${key}: expected an http:// or https:// URL, got ${parsed.protocol}`);
  }
  if (parsed.search || parsed.hash) throw new ConfigError(`${key}: the DICOMweb root takes no query string or fragment`);
  const credentials = parsed.username || parsed.password
    ? { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) }
    : undefined;
  return { url: `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`, credentials };
}

/** "http://user:secret@host/x" -> "http://***@host/x". */
export function maskCredentials(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//***@');
}

function absolute(path: string, base: string): string {
  return isAbsolute(path) ? path : resolve(base, path);
}

/** The section as `sharpxr check` prints it: the password replaced. */
export function printableViewer(viewer: ViewerConfig): Record<string, unknown> {
  const { dicomWebCredentials, ...rest } = viewer;
  return { ...rest, dicomWebCredentials: dicomWebCredentials ? { username: dicomWebCredentials.username, password: '***' } : undefined };
}
