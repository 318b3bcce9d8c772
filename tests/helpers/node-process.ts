// The SharpXR node as the tests meet it: a real child process (`sharpxr start` from the
// TypeScript sources), its JSON log, its HTTP side, and kill -9 for crash tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { waitFor } from './orthanc.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'server', 'src', 'cli', 'index.ts');

export interface NodeProcess {
  readonly httpUrl: string;
  /** The config file it was started with (for `sharpxr jobs … --config`). */
  readonly configFile: string;
  readonly dicomPort: number;
  readonly proc: ChildProcess;
  /** Parsed JSON log records so far. */
  records(): Record<string, unknown>[];
  /** Resolves with the first record matching, waiting up to timeoutMs. */
  waitForLog(match: (r: Record<string, unknown>) => boolean, timeoutMs: number, what: string): Promise<Record<string, unknown>>;
  health(): Promise<Record<string, unknown>>;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no shutdown code runs (crash tests). */
  kill9(): Promise<void>;
}

export interface NodeProcessOptions {
  readonly dir: string;
  readonly dicomPort: number;
  readonly httpPort: number;
  /** Extra config (merged at top level over the test defaults). */
  readonly config?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}

export async function startNodeProcess(o: NodeProcessOptions): Promise<NodeProcess> {
  mkdirSync(o.dir, { recursive: true });
  const configFile = join(o.dir, `node-${o.dicomPort}.json`);
  writeFileSync(configFile, JSON.stringify({
    dicom: { aeTitle: 'SHARPXR', port: o.dicomPort, host: '127.0.0.1' },
    http: { port: o.httpPort },
    dataDir: join(o.dir, 'var'),
    log: { level: 'debug' },
    ...o.config,
  }, null, 2));
  const script = `import(${JSON.stringify(CLI)}).then(async (m) => { process.exitCode = await m.main(['start', '--config', ${JSON.stringify(configFile)}]); })`;
  const proc = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: ROOT, env: { ...process.env, TCP_NODELAY: '1', SHARPXR_PROVIDERS: 'cpu', ...o.env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  let partial = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter((l) => l.trim()));
  });
  proc.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const records = (): Record<string, unknown>[] => lines.flatMap((l) => {
    try { return [JSON.parse(l) as Record<string, unknown>]; } catch { return []; }
  });
  const httpUrl = `http://127.0.0.1:${o.httpPort}`;
  let dead = false;
  void exited.then(() => { dead = true; });
  await waitFor(async () => {
    if (dead) throw new Error(`the node exited during start:\n${lines.join('\n')}\n${stderr}`);
    // /health answers once everything is up (the log may be set above info).
    try {
      return (await fetch(`${httpUrl}/health`)).status === 200;
    } catch {
      return false;
    }
  }, 60_000, 'the node to start', 100);
  return {
    httpUrl, configFile, dicomPort: o.dicomPort, proc, records,
    waitForLog: (match, timeoutMs, what) => waitFor(() => {
      if (dead) throw new Error(`the node exited while waiting for ${what}:\n${stderr}`);
      return records().find(match);
    }, timeoutMs, what),
    health: async () => (await fetch(`${httpUrl}/health`)).json() as Promise<Record<string, unknown>>,
    stop: async () => {
      if (!dead) proc.kill('SIGTERM');
      return exited;
    },
    kill9: async () => {
      if (!dead) proc.kill('SIGKILL');
      await exited;
    },
  };
}
