// Typed decode failures. Callers (the C-STORE listener, the job runner) map each class to a
// different outcome: an unsupported syntax or image is a permanent "cannot process", a
// malformed file is the sender's fault; neither is worth a retry. All share DecodeError so a
// caller can tell "this input is bad" apart from a bug in our own code.

/** Base class of every error this module throws on purpose. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

/** Bytes that are not DICOM, are truncated, lack pixel data, or whose codestream is corrupt. */
export class MalformedDicomError extends DecodeError {
  override name = 'MalformedDicomError';
}

/** A well-formed file in a transfer syntax we have no decoder for (MPEG-2, H.264, ...). */
export class UnsupportedTransferSyntaxError extends DecodeError {
  override name = 'UnsupportedTransferSyntaxError';
  constructor(
    readonly transferSyntaxUid: string,
    readonly transferSyntaxName: string,
  ) {
    super(`unsupported transfer syntax ${transferSyntaxName} (${transferSyntaxUid})`);
  }
}

/** A well-formed image outside what a radiograph decoder handles (colour, 32-bit, float). */
export class UnsupportedImageError extends DecodeError {
  override name = 'UnsupportedImageError';
}

/**
 * Run `fn` on untrusted bytes: anything other than our own errors it throws (a RangeError from
 * a DataView, a TypeError on an odd value) still means "this file is bad". The original stays
 * the cause, so a real bug remains traceable.
 */
export function asMalformed<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    throw new MalformedDicomError(`cannot read DICOM: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}
