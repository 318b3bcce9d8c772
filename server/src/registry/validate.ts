// Checks a model file in a child process (validate-entry.ts): loading an uploaded graph in
// onnxruntime runs native code on bytes from a user, and a run holds its thread for as long as
// it takes; neither may stall or crash the node. The child's report comes back over IPC; a
// child that dies or overruns the time limit is itself the verdict.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ValidationReport } from './report.js';

export interface ValidateRequest {
  readonly path: string;
  readonly fixturePath?: string;
  readonly threads: number;
}

export type ValidateStage = 'load' | 'self-check';

export type ValidateReply =
  | { readonly type: 'stage'; readonly stage: ValidateStage }
  | { readonly type: 'report'; readonly report: ValidationReport }
  | { readonly type: 'error'; readonly message: string };

export interface ValidateOptions {
  readonly fixturePath?: string;
  /** onnxruntime threads in the child (0: one per core). */
  readonly threads?: number;
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 180_000;

export function validateModelFile(path: string, options: ValidateOptions = {}): Promise<ValidationReport> {
  const ts = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(`./validate-entry.${ts ? 'ts' : 'js'}`, import.meta.url));
  const child = fork(entry, [], { execArgv: ts ? tsxLoader() : [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-2000); });
  const request: ValidateRequest = { path, threads: options.threads ?? 0, ...(options.fixturePath ? { fixturePath: options.fixturePath } : {}) };
  return new Promise((resolve, reject) => {
    let stage: ValidateStage = 'load';
    let settled = false;
    const finish = (outcome: ValidationReport | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timer = setTimeout(() => finish(crashed(stage, `took longer than ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    child.on('message', (m: ValidateReply) => {
      if (m.type === 'stage') stage = m.stage;
      else if (m.type === 'report') finish(m.report);
      else finish(new Error(`model validation failed: ${m.message}`));
    });
    child.on('error', (err) => finish(new Error(`cannot start the model validation process: ${err.message}`)));
    child.on('exit', (code, signal) => {
      const why = `the validation process ended (${signal ? `signal ${signal}` : `code ${code}`})${lastLine(stderr)}`;
      finish(crashed(stage, why));
    });
    child.send(request);
  });
}

/** A child that died: onnxruntime aborted on this file (loading it, or running it). */
function crashed(stage: ValidateStage, why: string): ValidationReport {
  const check = stage === 'load'
    ? { name: 'onnx', ok: false, detail: `onnxruntime could not load it: ${why}` }
    : { name: 'runs', ok: false, detail: `running it on the fixture failed: ${why}` };
  return { ok: false, metadata: {}, inputs: [], outputs: [], checks: [check] };
}

function lastLine(text: string): string {
  const line = text.trim().split('\n').at(-1)?.trim();
  return line ? `: ${line}` : '';
}

/** --import of tsx by absolute URL when running from the TypeScript sources (tests). */
function tsxLoader(): string[] {
  try {
    return ['--import', import.meta.resolve('tsx')];
  } catch {
    return [];
  }
}
