// What the registry says about a model file it checked, and the error that refuses one.
// The report is what the console shows after an upload (accepted or not), so every check
// carries a sentence a person can act on, not only a flag.
import { HttpError } from '../http/errors.js';

export interface TensorInfo {
  readonly name: string;
  readonly type: string;
  /** Dimensions as the model declares them: numbers, or names of dynamic axes. */
  readonly shape: readonly (number | string)[];
}

export interface CheckResult {
  /** 'onnx' | 'contract' | 'metadata' | 'runs' | 'range' | 'tiling' | 'change' */
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** The self-check's figures on the fixture image. */
export interface SelfCheckFigures {
  readonly fixture: string;
  readonly width: number;
  readonly height: number;
  readonly tile: number;
  readonly overlap: number;
  readonly outputMin: number;
  readonly outputMax: number;
  /** Output (or tiled output) values that are NaN or infinite. */
  readonly nonFinite: number;
  readonly meanAbsChange: number;
  readonly tiledMaxDiff: number;
  readonly tiledMeanDiff: number;
  readonly ms: number;
}

export interface ValidationReport {
  readonly ok: boolean;
  readonly metadata: Readonly<Record<string, string>>;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  readonly checks: readonly CheckResult[];
  readonly selfCheck?: SelfCheckFigures;
}

/**
 * A model the registry refuses. 400 when the bytes are not a loadable ONNX model at all, 422
 * when it loads but breaks the contract or fails the self-check; the report says which check.
 */
export class ModelRejectedError extends HttpError {
  override name = 'ModelRejectedError';
  constructor(status: 400 | 422, message: string, readonly report?: ValidationReport) {
    super(status, message, report ? describeFailures(report) : undefined);
  }
}

/** One line per failed check, for the error's detail. */
export function describeFailures(report: ValidationReport): string {
  return report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`).join('\n');
}

/** The rejection a report calls for, or undefined when it passed. */
export function rejection(report: ValidationReport): ModelRejectedError | undefined {
  if (report.ok) return undefined;
  const first = report.checks.find((c) => !c.ok)!;
  const status = first.name === 'onnx' ? 400 : 422;
  const lead = status === 400 ? 'not a loadable ONNX model' : `the model fails the ${first.name} check`;
  return new ModelRejectedError(status, `${lead}: ${first.detail}`, report);
}
