// Shared pieces of the pipeline worker tests (its child process): running server modules as
// the build ships them (compiled to JavaScript in a temporary folder and run by plain `node`,
// no tsx, so the worker has to find its .js entry beside the compiled module just as it would
// in server/dist), measuring how long the event loop was blocked, and whether a process is
// still there.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Emit the server sources `entries` need, with the build's own compiler options, into `outDir`. */
export function compile(entries: readonly string[], outDir: string): void {
  const src = join(ROOT, 'server', 'src');
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'server', 'tsconfig.json'), {}, {
    ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
  });
  assert.ok(config);
  const options: ts.CompilerOptions = {
    ...config.options, outDir, rootDir: src, noEmit: false, incremental: false, declaration: false, sourceMap: false,
  };
  delete options.tsBuildInfoFile;
  mkdirSync(outDir, { recursive: true });
  const emitted = ts.createProgram(entries.map((e) => join(src, e)), options).emit();
  assert.equal(emitted.emitSkipped, false, 'TypeScript did not emit');
}

/**
 * Compile `entries` (paths under server/src) into `dir`/dist and run the script `lines` make
 * there with plain node. `lines` gets the import specifier (a quoted file URL) of a compiled
 * module, e.g. `moduleUrl('pipeline/pipeline-worker.js')`. Asserts the process exited by
 * itself with status 0 (within 60 s) and returns its stdout.
 */
export function runCompiled(dir: string, entries: readonly string[], lines: (moduleUrl: (path: string) => string) => string[]): string {
  const dist = join(dir, 'dist');
  compile(entries, dist);
  // The package layout the compiled files expect: ESM, and node_modules up the tree.
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const script = join(dir, 'run.js');
  const moduleUrl = (path: string): string => JSON.stringify(pathToFileURL(join(dist, path)).href);
  writeFileSync(script, lines(moduleUrl).join('\n'));
  const run = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 60_000 });
  assert.equal(run.signal, null, 'the process did not exit by itself');
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

/**
 * Largest delay of a 10 ms interval timer while `work` runs: how long the event loop was
 * blocked. Also the wall time `ms` of the work.
 */
export async function maxTimerLag<T>(work: () => Promise<T>): Promise<{ lag: number; ms: number; result: T }> {
  const started = performance.now();
  let last = started;
  let lag = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    lag = Math.max(lag, now - last - 10);
    last = now;
  }, 10);
  try {
    const result = await work();
    lag = Math.max(lag, performance.now() - last - 10); // a block right at the end
    return { lag, ms: performance.now() - started, result };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Whether process `pid` still runs. A zombie counts as gone: an orphan's reaper (PID 1 in a
 * container) may be slow to collect it, but it holds no memory and runs nothing.
 */
export function processAlive(pid: number): boolean {
  if (existsSync('/proc/self/stat')) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return false;
    }
    return stat[stat.lastIndexOf(')') + 2] !== 'Z'; // "pid (comm) S ...": the state follows the last ')'
  }
  try {
    process.kill(pid, 0); // no /proc (macOS): signal 0 only checks
    return true;
  } catch {
    return false;
  }
}
