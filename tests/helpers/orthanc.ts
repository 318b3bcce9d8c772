// Real DICOM peers for the tests: Orthanc 1.10 as the PACS (REST API for checking what it
// received, Lua for auto-routing) and DCMTK's storescp as a bare C-STORE SCP. Each runs as a
// child process in its own temp folder with its output captured there; every process started
// here is killed when the test process exits, even if a test forgot to stop it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ORTHANC_BIN = process.env.SHARPXR_ORTHANC ?? '/usr/sbin/Orthanc';
export const ORTHANC_PLUGINS = '/usr/share/orthanc/plugins';

/** Why the Orthanc tests cannot run here, or null if they can (pass to node:test's `skip`). */
export function orthancMissing(): string | null {
  return existsSync(ORTHANC_BIN) ? null : `Orthanc not installed (${ORTHANC_BIN}; apt-get install orthanc, or set SHARPXR_ORTHANC)`;
}

/** Why the storescp tests cannot run here, or null if they can. */
export function dcmtkMissing(): string | null {
  return spawnSync('storescp', ['--version'], { stdio: 'ignore' }).status === 0 ? null : 'DCMTK storescp not on PATH (apt-get install dcmtk)';
}

/** A TCP port free right now (bind to 0, read it, close). Racy in theory, fine for tests. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `predicate` until it returns a truthy value; throws after `timeoutMs`. */
export async function waitFor<T>(predicate: () => T | Promise<T>, timeoutMs: number, what = 'condition', intervalMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts `command` with TCP_NODELAY=1 (DCMTK, and so Orthanc's DICOM side, reads it) and output to `logFile`. */
function spawnLogged(command: string, args: readonly string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, [...args], { stdio: ['ignore', fd, fd], env: { ...process.env, TCP_NODELAY: '1' } });
    running.add(child);
    child.once('exit', () => running.delete(child));
    return child;
  } finally {
    closeSync(fd);
  }
}

/** SIGTERM, wait for exit, SIGKILL after `graceMs` (Orthanc holds its SQLite lock until it exits). */
async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function tail(file: string, lines = 30): string {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') : '(no log)';
}

const keepDirs = process.env.SHARPXR_TEST_KEEP === '1';

// ---------------------------------------------------------------------------------------------
// Orthanc

export interface OrthancOptions {
  aet?: string;
  /** 0 or absent: a free port. */
  dicomPort?: number;
  httpPort?: number;
  /** name -> [AET, host, port], Orthanc's DicomModalities. */
  modalities?: Record<string, readonly [string, string, number]>;
  /** Lua source, written to route.lua and listed in LuaScripts. */
  lua?: string;
  dicomWeb?: boolean;
  /** Reject associations whose called AE title is not ours (default false, Orthanc's default). */
  checkCalledAet?: boolean;
  /**
   * HTTP Basic users (name -> password): Orthanc then answers 401 without them. The handle's
   * own REST calls use the first one.
   */
  users?: Record<string, string>;
}

export interface OrthancSeries {
  ID: string;
  MainDicomTags: Record<string, string>;
  Instances: string[];
}

export interface OrthancHandle {
  readonly httpUrl: string;
  readonly dicomPort: number;
  readonly aet: string;
  readonly dir: string;
  /** JSON from the REST API; throws with the body on a non-2xx answer. */
  rest<T = unknown>(path: string, init?: RequestInit): Promise<T>;
  uploadInstance(file: string): Promise<{ ID: string; Status: string }>;
  /** Orthanc ids of the instances with this SOP Instance UID (0 or 1). */
  findInstances(sopInstanceUid: string): Promise<string[]>;
  listSeries(studyInstanceUid: string): Promise<OrthancSeries[]>;
  instanceTags(orthancId: string): Promise<Record<string, unknown>>;
  sendToModality(orthancIds: readonly string[], modality: string): Promise<unknown>;
  /** Orthanc's log so far (stdout and stderr). */
  log(): string;
  stop(): Promise<void>;
}

function orthancConfig(dir: string, o: OrthancOptions, aet: string, dicomPort: number, httpPort: number): Record<string, unknown> {
  const config: Record<string, unknown> = {
    Name: 'sharpxr-test',
    StorageDirectory: join(dir, 'storage'),
    IndexDirectory: join(dir, 'index'),
    DicomAet: aet,
    DicomPort: dicomPort,
    HttpPort: httpPort,
    // 1.10 has no bind-address options: HTTP answers only loopback clients with this off;
    // the DICOM port listens on all interfaces (tests use ephemeral ports).
    RemoteAccessAllowed: false,
    AuthenticationEnabled: o.users !== undefined,
    RegisteredUsers: o.users ?? {},
    DicomCheckCalledAet: o.checkCalledAet ?? false,
    DicomModalities: o.modalities ?? {},
    StableAge: 1,
    SaveJobs: false,
    // Lua's SendToModality keeps its association open this many seconds for the next
    // instance; 0 closes it at once so storescp (one association at a time) stays free.
    DicomAssociationCloseDelay: 0,
    DicomScuTimeout: 10,
    LuaScripts: [] as string[],
    Plugins: [] as string[],
  };
  if (o.lua !== undefined) {
    writeFileSync(join(dir, 'route.lua'), o.lua);
    config.LuaScripts = [join(dir, 'route.lua')];
  }
  if (o.dicomWeb) {
    config.Plugins = [join(ORTHANC_PLUGINS, 'libOrthancDicomWeb.so')];
    config.DicomWeb = { Enable: true, Root: '/dicom-web/' };
  }
  return config;
}

export async function startOrthanc(o: OrthancOptions = {}): Promise<OrthancHandle> {
  const missing = orthancMissing();
  if (missing) throw new Error(missing);
  const dir = mkdtempSync(join(tmpdir(), 'sharpxr-orthanc-'));
  const aet = o.aet ?? 'ORTHANC';
  const dicomPort = o.dicomPort || (await freePort());
  const httpPort = o.httpPort || (await freePort());
  const configFile = join(dir, 'orthanc.json');
  writeFileSync(configFile, JSON.stringify(orthancConfig(dir, o, aet, dicomPort, httpPort), null, 2));
  const logFile = join(dir, 'orthanc.log');
  const child = spawnLogged(ORTHANC_BIN, [configFile], logFile);
  const handle = orthancHandle(child, dir, aet, dicomPort, `http://127.0.0.1:${httpPort}`, logFile, basicAuth(o.users));
  try {
    await waitFor(async () => {
      if (!alive(child)) throw new Error(`Orthanc exited (${child.exitCode ?? child.signalCode}):\n${tail(logFile)}`);
      return handle.rest('/system').then(() => true, () => false);
    }, 30_000, 'Orthanc to answer GET /system', 100);
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return handle;
}

/** `Basic …` for the first of `users`, or nothing. */
function basicAuth(users: Record<string, string> | undefined): Record<string, string> {
  const first = Object.entries(users ?? {})[0];
  return first ? { authorization: `Basic ${Buffer.from(`${first[0]}:${first[1]}`).toString('base64')}` } : {};
}

function orthancHandle(child: ChildProcess, dir: string, aet: string, dicomPort: number, httpUrl: string, logFile: string, auth: Record<string, string>): OrthancHandle {
  const rest = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const response = await fetch(`${httpUrl}${path}`, { ...init, headers: { ...auth, ...(init?.headers as Record<string, string> | undefined) } });
    const text = await response.text();
    if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: HTTP ${response.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  };
  const post = <T>(path: string, body: unknown): Promise<T> => rest<T>(path, { method: 'POST', body: JSON.stringify(body) });
  return {
    httpUrl, dicomPort, aet, dir, rest,
    uploadInstance: (file) => rest(`/instances`, { method: 'POST', body: readFileSync(file) }),
    findInstances: (uid) => post<string[]>('/tools/find', { Level: 'Instance', Query: { SOPInstanceUID: uid } }),
    listSeries: (uid) => post<OrthancSeries[]>('/tools/find', { Level: 'Series', Query: { StudyInstanceUID: uid }, Expand: true }),
    instanceTags: (id) => rest(`/instances/${id}/tags?simplify`),
    sendToModality: (ids, modality) => post(`/modalities/${encodeURIComponent(modality)}/store`, { Resources: ids, Synchronous: true }),
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    stop: async () => {
      await stopChild(child, 15_000);
      if (!keepDirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Lua string literal for an ASCII value (AE titles, modality names). */
function luaString(value: string): string {
  if (!/^[ -~]*$/.test(value)) throw new Error(`not printable ASCII: ${JSON.stringify(value)}`);
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Auto-routing as a site would set it up for SharpXR: forward every stored instance to
 * `modality` (our node), except what arrived over DICOM from one of `excludeCallingAets`
 * (our node sending the derived series back must not be forwarded again).
 *
 * Orthanc 1.10's OnStoredInstance(instanceId, tags, metadata, origin) gets origin as a table:
 * RequestOrigin is "DicomProtocol" with RemoteAet/CalledAet/RemoteIp for C-STORE, "RestApi"
 * with RemoteIp/Username for REST uploads (verified in tests/server/export.test.ts, which
 * prints it). SendToModality(instanceId, modality) queues a C-STORE job.
 */
export function forwardingLua(modality: string, excludeCallingAets: readonly string[]): string {
  const excluded = excludeCallingAets.map((a) => `[${luaString(a)}] = true`).join(', ');
  return `-- Generated by tests/helpers/orthanc.ts forwardingLua()
local excluded = { ${excluded} }

function OnStoredInstance(instanceId, tags, metadata, origin)
  print('sharpxr-route origin: ' .. DumpJson(origin, true))
  if origin['RequestOrigin'] == 'DicomProtocol' and excluded[origin['RemoteAet']] then
    print('sharpxr-route: not forwarding ' .. instanceId .. ' from ' .. origin['RemoteAet'])
    return
  end
  SendToModality(instanceId, ${luaString(modality)})
end
`;
}

// ---------------------------------------------------------------------------------------------
// DCMTK storescp

export interface StorescpOptions {
  aet?: string;
  port?: number;
  /** Accept implicit VR little endian only (+xi), to test our conversion. */
  implicitOnly?: boolean;
}

export interface StorescpHandle {
  readonly port: number;
  readonly aet: string;
  /** Where received files land (named <modality>.<SOP Instance UID>). */
  readonly dir: string;
  files(): string[];
  log(): string;
  stop(): Promise<void>;
}

/** storescp in bit-preserving mode (+B): received data sets are written exactly as they came. */
export async function startStorescp(o: StorescpOptions = {}): Promise<StorescpHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'sharpxr-storescp-'));
  const received = join(dir, 'received');
  mkdirSync(received);
  const port = o.port || (await freePort());
  const aet = o.aet ?? 'STORESCP';
  const args = ['-v', '-aet', aet, '+B', ...(o.implicitOnly ? ['+xi'] : []), '-od', received, String(port)];
  const logFile = join(dir, 'storescp.log');
  const child = spawnLogged('storescp', args, logFile);
  const handle: StorescpHandle = {
    port, aet, dir: received,
    files: () => readdirSync(received).map((n) => join(received, n)),
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    stop: async () => {
      await stopChild(child, 5_000);
      if (!keepDirs) rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(() => {
      if (!alive(child)) throw new Error(`storescp exited (${child.exitCode}):\n${tail(logFile)}`);
      return canConnect(port);
    }, 10_000, 'storescp to listen', 50);
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return handle;
}

/** True if something accepts TCP connections on 127.0.0.1:port. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}
