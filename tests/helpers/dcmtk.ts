// Real DICOM peers for the tests and the benchmark: DCMTK's echoscu, storescu and storescp,
// run as child processes. Always asynchronous (never spawnSync): the listener under test
// usually runs in the same process and must keep serving while the peer talks to it.
// TCP_NODELAY=1 is set for every DCMTK process; without it each message waits for a delayed ACK.
// What DCMTK will not send (truncated or contradictory data sets, aborts) goes through raw-scu.ts.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canConnect, freePort, waitFor } from './orthanc.js';

export { freePort };

export const HAVE_DCMTK = spawnSync('storescu', ['--version'], { stdio: 'ignore' }).status === 0;

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface Peer {
  readonly host: string;
  readonly port: number;
  /** Called AE title. */
  readonly aeTitle: string;
}

const DCMTK_ENV = { ...process.env, TCP_NODELAY: '1' };

/** Run a command to completion and collect its output. */
export function run(cmd: string, args: readonly string[], timeoutMs = 120_000): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args], { env: DCMTK_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

export function echoscu(peer: Peer, callingAe = 'ECHOSCU'): Promise<RunResult> {
  return run('echoscu', ['-aet', callingAe, '-aec', peer.aeTitle, peer.host, String(peer.port)]);
}

export interface StorescuOptions {
  readonly callingAe?: string;
  /** A config file from writeStorescuConfig, so each file is sent in its own transfer syntax. */
  readonly config?: StorescuConfig;
  readonly extraArgs?: readonly string[];
}

export function storescu(peer: Peer, files: readonly string[], options: StorescuOptions = {}): Promise<RunResult> {
  const args = [
    '-aet', options.callingAe ?? 'STORESCU',
    '-aec', peer.aeTitle,
    ...(options.config ? ['-xf', options.config.path, options.config.profile] : []),
    ...(options.extraArgs ?? []),
    peer.host, String(peer.port),
    ...files,
  ];
  return run('storescu', args);
}

export const STORAGE_SOP_CLASSES = {
  cr: '1.2.840.10008.5.1.4.1.1.1',
  dxPresentation: '1.2.840.10008.5.1.4.1.1.1.1',
  dxProcessing: '1.2.840.10008.5.1.4.1.1.1.1.1',
  secondaryCapture: '1.2.840.10008.5.1.4.1.1.7',
  mr: '1.2.840.10008.5.1.4.1.1.4',
} as const;

/** Every syntax DCMTK can send as-is from a file (it cannot write HTJ2K or JPEG XL). */
export const STORESCU_SYNTAXES = [
  '1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.2',
  '1.2.840.10008.1.2.5', '1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.57',
  '1.2.840.10008.1.2.4.70', '1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81', '1.2.840.10008.1.2.4.90',
  '1.2.840.10008.1.2.4.91',
] as const;

export interface StorescuConfig {
  readonly path: string;
  readonly profile: string;
}

/**
 * A storescu association profile proposing one presentation context per (SOP class, syntax),
 * so that storescu sends every file in the syntax it is stored in (no transcoding), all in
 * one association. (Its -x options propose one compressed family at a time.)
 */
export function writeStorescuConfig(
  dir: string,
  sopClasses: readonly string[] = [STORAGE_SOP_CLASSES.cr, STORAGE_SOP_CLASSES.dxPresentation, STORAGE_SOP_CLASSES.dxProcessing],
  syntaxes: readonly string[] = STORESCU_SYNTAXES,
): StorescuConfig {
  if (sopClasses.length * syntaxes.length > 128) throw new Error('at most 128 presentation contexts');
  const lines = ['[[TransferSyntaxes]]'];
  syntaxes.forEach((ts, i) => lines.push(`[TS${i}]`, `TransferSyntax1 = ${ts}`));
  lines.push('[[PresentationContexts]]', '[Contexts]');
  let n = 0;
  for (const sop of sopClasses) syntaxes.forEach((_, i) => lines.push(`PresentationContext${++n} = ${sop}\\TS${i}`));
  lines.push('[[Profiles]]', '[SharpXR]', 'PresentationContexts = Contexts');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'storescu.cfg');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return { path, profile: 'SharpXR' };
}

export interface Storescp extends Peer {
  stop(): Promise<void>;
}

/**
 * DCMTK's storescp writing into `dir`, accepting every syntax it knows. `bitPreserving`
 * (+B) writes the received data set bytes unchanged: the reference for "stored as received".
 */
export async function startStorescp(dir: string, options: { aeTitle?: string; bitPreserving?: boolean } = {}): Promise<Storescp> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const aeTitle = options.aeTitle ?? 'STORESCP';
  const args = ['+xa', ...(options.bitPreserving ? ['+B'] : []), '-aet', aeTitle, '-od', dir, String(port)];
  const child: ChildProcess = spawn('storescp', args, { env: DCMTK_ENV, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Never outlive the process that started it, even when a test fails before stop().
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  try {
    await waitFor(() => canConnect(port), 10_000, `storescp to listen on port ${port}`);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    host: '127.0.0.1',
    port,
    aeTitle,
    stop: async () => {
      process.off('exit', killOnExit);
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface ThroughputRun {
  readonly seconds: number;
  readonly megabytesPerSecond: number;
}

export interface Throughput {
  readonly label: string;
  readonly bytes: number;
  readonly runs: readonly ThroughputRun[];
  readonly medianMegabytesPerSecond: number;
}

/**
 * storescu `files` to `peer` `runs` times (one association per run, `repeat` passes over the
 * files in it), timing each run end to end: process start to exit. MB is 10^6 bytes of the
 * source files. `beforeRun` may clear the destination between runs. Without
 * `distinctInstances`, repeats re-send the same instances (each store then replaces a file).
 */
export async function measureStoreThroughput(params: {
  label: string;
  peer: Peer;
  files: readonly string[];
  config: StorescuConfig;
  runs?: number;
  repeat?: number;
  /** storescu +II: a new SOP Instance UID for every image sent, so repeats never overwrite. */
  distinctInstances?: boolean;
  beforeRun?: () => Promise<void> | void;
}): Promise<Throughput> {
  const repeat = params.repeat ?? 1;
  const bytes = params.files.reduce((sum, f) => sum + statSync(f).size, 0) * repeat;
  const runs: ThroughputRun[] = [];
  for (let i = 0; i < (params.runs ?? 3); i++) {
    await params.beforeRun?.();
    const extraArgs = ['-q', ...(repeat > 1 ? ['--repeat', String(repeat)] : []), ...(params.distinctInstances ? ['+II'] : [])];
    const result = await storescu(params.peer, params.files, { config: params.config, extraArgs });
    if (result.code !== 0) throw new Error(`${params.label}: storescu failed (${result.code}): ${result.stderr}`);
    const seconds = result.ms / 1000;
    runs.push({ seconds, megabytesPerSecond: bytes / 1e6 / seconds });
  }
  const sorted = runs.map((r) => r.megabytesPerSecond).sort((a, b) => a - b);
  return { label: params.label, bytes, runs, medianMegabytesPerSecond: sorted[Math.floor(sorted.length / 2)]! };
}

export function formatThroughput(t: Throughput): string {
  const each = t.runs.map((r) => `${r.megabytesPerSecond.toFixed(1)}`).join(', ');
  return `${t.label}: median ${t.medianMegabytesPerSecond.toFixed(1)} MB/s (runs: ${each} MB/s; ${(t.bytes / 1e6).toFixed(1)} MB per run)`;
}
