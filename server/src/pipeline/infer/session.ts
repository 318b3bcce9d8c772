// Creating an onnxruntime session: execution-provider fallback and the model contract.
import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';
import type { Provider } from '../../config/index.js';

export const INPUT_NAME = 'noisy';
export const OUTPUT_NAME = 'denoised';

export class ModelContractError extends Error {
  override name = 'ModelContractError';
}

export interface ProviderAttempt {
  readonly provider: Provider;
  readonly ok: boolean;
  readonly error?: string;
}

export interface OpenedSession {
  readonly session: ort.InferenceSession;
  readonly provider: Provider;
  readonly attempts: readonly ProviderAttempt[];
}

/** 'info' says what was chosen; 'warn' says what was skipped and why. */
export type LogFn = (message: string, level: 'info' | 'warn') => void;

export interface SessionOptions {
  readonly providers: readonly Provider[];
  /** Intra-op threads, already resolved (intraOpThreads): a count, never 0. */
  readonly threads: number;
  /** Let idle intra-op threads busy-wait for work (onnxruntime's default); see sessionOptions. */
  readonly spinning?: boolean;
  readonly log?: LogFn;
}

/**
 * Create the session with one provider at a time, in order. The JavaScript API does not
 * say which provider of a list a session ended up with; trying each alone tells us (and
 * the user) which one really runs, and why the earlier ones were skipped.
 */
export async function openSession(modelPath: string, opts: SessionOptions): Promise<OpenedSession> {
  // onnxruntime prints a provider library that fails to load (e.g. CUDA on a CPU-only
  // machine) through its process-wide logger, in red, before we can catch it. We report
  // skipped providers ourselves, so keep that logger to fatal errors; sessions still log
  // warnings through their own logSeverityLevel. Only takes effect before the first session.
  ort.env.logLevel = 'fatal';
  const attempts: ProviderAttempt[] = [];
  for (const [i, provider] of opts.providers.entries()) {
    const isLast = i === opts.providers.length - 1;
    try {
      const session = await ort.InferenceSession.create(modelPath, sessionOptions(provider, opts, isLast));
      attempts.push({ provider, ok: true });
      return { session, provider, attempts };
    } catch (err) {
      const error = firstLine(err);
      attempts.push({ provider, ok: false, error });
      if (isContractOrFileError(error)) throw new ModelContractError(`cannot load ${modelPath}: ${error}`);
      opts.log?.(`provider ${provider} unavailable, skipped: ${error}`, 'warn');
    }
  }
  const tried = attempts.map((a) => `${a.provider}: ${a.error}`).join('; ');
  throw new Error(`no execution provider could run ${modelPath} (${tried})`);
}

function sessionOptions(provider: Provider, opts: SessionOptions, isLast: boolean): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: opts.threads,
    // Memory patterns are planned per input shape, and films come in every shape: with them on,
    // a shape seen before ran 912 ms against 302 without (1024x860, int8), and peak RSS over seven
    // film sizes was 1052 MB against 674; even one fixed 768 tile ran 212 vs 250 ms, 448 vs 607 MB.
    enableMemPattern: false,
    // Spinning threads burn CPU while they wait. On 2 cores shared with another busy
    // process, 2048x2048 took 1.03 s/MP without spinning and 1.35 s/MP with it.
    extra: { session: { intra_op: { allow_spinning: opts.spinning ? '1' : '0' } } },
    // A provider that may be skipped should not print errors of its own; the last one is
    // the one we keep, so let it warn.
    logSeverityLevel: isLast ? 2 : 4,
  };
}

/**
 * Threads 0 means one per core, said explicitly: left to itself onnxruntime 1.30 ran one
 * thread on a 2-core EPYC VM here (904 ms/MP at 2048x2048, as with 1 thread; 585 with 2).
 */
export function intraOpThreads(threads: number): number {
  return threads > 0 ? threads : availableParallelism();
}

/** Errors that no other provider can fix: a missing or malformed file. */
function isContractOrFileError(message: string): boolean {
  return /No such file|Load model from .* failed|Protobuf parsing failed|INVALID_PROTOBUF|NO_SUCHFILE/i.test(message);
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.trim();
}

/** Exactly one float32 input `noisy` and one output `denoised`, both [N,1,H,W]. */
export function checkContract(session: ort.InferenceSession, modelPath: string): void {
  const problems: string[] = [];
  checkNames('input', session.inputNames, INPUT_NAME, problems);
  checkNames('output', session.outputNames, OUTPUT_NAME, problems);
  for (const meta of [...session.inputMetadata, ...session.outputMetadata]) checkValue(meta, problems);
  if (problems.length > 0) {
    throw new ModelContractError(
      `${modelPath} does not follow the SharpXR model contract ` +
        `(input "${INPUT_NAME}" and output "${OUTPUT_NAME}", float32 [N,1,H,W]): ${problems.join('; ')}`,
    );
  }
}

function checkNames(kind: string, names: readonly string[], expected: string, problems: string[]): void {
  if (names.length !== 1 || names[0] !== expected) {
    problems.push(`${kind}s are [${names.map((n) => `"${n}"`).join(', ')}], expected ["${expected}"]`);
  }
}

function checkValue(meta: ort.InferenceSession.ValueMetadata, problems: string[]): void {
  if (!meta.isTensor) {
    problems.push(`"${meta.name}" is not a tensor`);
    return;
  }
  if (meta.type !== 'float32') problems.push(`"${meta.name}" is ${meta.type}, expected float32`);
  // An empty shape means the model declares none; the first run will tell.
  if (meta.shape.length === 0) return;
  if (meta.shape.length !== 4) {
    problems.push(`"${meta.name}" has rank ${meta.shape.length}, expected 4 ([N,1,H,W])`);
  } else if (typeof meta.shape[1] === 'number' && meta.shape[1] !== 1) {
    // Exporters may leave the channel symbolic (e.g. after a Clip); then run() checks it.
    problems.push(`"${meta.name}" has ${meta.shape[1]} channels, expected 1`);
  }
}
