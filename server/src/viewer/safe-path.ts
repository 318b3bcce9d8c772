// Paths under /viewer and /dicom-web come from the browser. A ".." segment (also percent-encoded,
// or hidden behind an encoded slash) would reach files outside the OHIF folder, or the PACS's
// REST API outside its DICOMweb root with our credentials attached: refused outright, before
// any file system or proxy code sees the path.
import { badRequest } from '../http/errors.js';

/** The decoded segments of `rawPath` (no query string); throws a 400 HttpError if unsafe. */
export function safeSegments(rawPath: string): string[] {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    throw badRequest('path: malformed percent-encoding');
  }
  if (/[\\\0]/.test(decoded)) throw badRequest('path: backslashes and NUL are not allowed');
  if (/%2f/i.test(rawPath)) throw badRequest('path: encoded slashes are not allowed');
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.')) throw badRequest('path: "." and ".." segments are not allowed');
  return segments;
}

/** The path part of a request URL (before "?"). */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
