// Which job failures are worth retrying. A retry helps when something outside the image was
// wrong (a PACS down, a full disk, a crashed model session); it cannot help an image we cannot
// read or a destination that refuses us by configuration, and retrying those only delays the
// dead-letter entry a human has to look at.
import { DecodeError } from '../pipeline/decode/index.js';
import { DeriveError } from '../derive/index.js';

export interface ClassifiedError {
  readonly message: string;
  readonly retryable: boolean;
  readonly stage: string;
}

export function classifyError(err: unknown): ClassifiedError {
  const stage = (err as { stage?: string } | null)?.stage ?? 'unknown';
  if (!(err instanceof Error)) return { message: String(err), retryable: true, stage };
  const message = `${err.name}: ${err.message}`;
  if (err instanceof DeriveError) return { message, retryable: false, stage };
  // The job's model is not in the registry or its file is gone (registry/job-models.ts).
  if (err.name === 'ModelUnavailableError') return { message, retryable: false, stage };
  // Decode errors may cross a worker thread as plain errors carrying the original name.
  if (err instanceof DecodeError || /^(MalformedDicomError|UnsupportedTransferSyntaxError|UnsupportedImageError|DecodeError)$/.test(err.name)) {
    return { message, retryable: false, stage };
  }
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
    return { message: `the received file is missing: ${err.message}`, retryable: false, stage };
  }
  return { message, retryable: true, stage };
}
