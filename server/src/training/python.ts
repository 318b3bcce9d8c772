// The Python training module as a child of the node: `python3 -m training ...` at the lowest
// CPU priority (nice 19) with one BLAS/OpenMP thread by default, so DICOM traffic and
// inference keep their latency while a run trains. stdout is JSON lines (training/README.md
// "Progress"), stderr is human text kept for error messages.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const NICE = 19;
const NICE_BIN = ['/usr/bin/nice', '/bin/nice'].find((p) => existsSync(p));

export interface PythonOptions {
  readonly python: string;
  /** The repository root: the trainer runs from there (its configs' relative paths). */
  readonly cwd: string;
  readonly threads: number;
  readonly env?: Readonly<Record<string, string>>;
}

export interface PythonRun {
  readonly pid: number;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** SIGTERM: the trainer finishes its step, saves a checkpoint and exits 130. */
  stop(): void;
  kill(): void;
}

export type JsonLine = Record<string, unknown> & { event?: unknown };

/** Starts `python -m training <args>`; every JSON line of stdout goes to onLine, in order. */
export function runTraining(args: readonly string[], o: PythonOptions, onLine: (line: JsonLine) => void): PythonRun {
  const threads = String(o.threads);
  const env = {
    ...process.env, ...o.env, PYTHONUNBUFFERED: '1', PYTHONPATH: o.cwd, SHARPXR_THREADS: threads,
    OMP_NUM_THREADS: threads, MKL_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: threads,
  };
  const argv = [o.python, '-m', 'training', ...args];
  // `nice` lowers the priority before Python starts, so not even its imports compete.
  const child: ChildProcess = NICE_BIN
    ? spawn(NICE_BIN, ['-n', String(NICE), ...argv], { cwd: o.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(argv[0]!, argv.slice(1), { cwd: o.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (!NICE_BIN && child.pid) {
    try {
      setPriority(child.pid, NICE);
    } catch {
      // not permitted here: runs at normal priority
    }
  }
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString('utf8')).slice(-8000); });
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (text) => {
    const line = parseLine(text);
    if (line) onLine(line);
  });
  const closed = new Promise<void>((resolve) => lines.once('close', () => resolve()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.once('error', (err) => resolve({ code: -1, signal: null, stderr: `cannot start ${o.python}: ${err.message}` }));
    // After the last line was read: the exit code never overtakes the events before it.
    child.once('exit', (code, signal) => void closed.then(() => resolve({ code, signal, stderr })));
  });
  return {
    pid: child.pid ?? -1, exited,
    stop: () => void child.kill('SIGTERM'),
    kill: () => void child.kill('SIGKILL'),
  };
}

function parseLine(text: string): JsonLine | null {
  if (!text.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as JsonLine) : null;
  } catch {
    return null;
  }
}

/** The interpreter that has torch: SHARPXR_PYTHON, else scripts/find-python.sh, else /usr/bin/python3. */
export function findPython(root: string): string {
  if (process.env.SHARPXR_PYTHON) return process.env.SHARPXR_PYTHON;
  const finder = join(root, 'scripts', 'find-python.sh');
  if (existsSync(finder)) {
    const found = spawnSync('bash', [finder], { cwd: root, encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return '/usr/bin/python3';
}

/** Whether `pid` is a trainer of this node's run folder (a run left by a node that was killed). */
export function isTrainerOf(pid: number, runDir: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes('training') && argv.some((a) => a.includes(runDir));
  } catch {
    return false;
  }
}

/** The nice value of a running process (Linux), for the tests and the run's detail. */
export function niceOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  } catch {
    return null;
  }
}
