// Model files on disk: their content hash, the name a registered copy gets, and how a model is
// named when its metadata does not say (the same rule as pipeline/model-info.ts, so the
// registry's name and version are exactly what the pipeline stamps into derived series).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename, join } from 'node:path';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** <dataDir>/models/<name>-<version>-<sha8>.onnx, with anything unsafe in a file name replaced. */
export function storedModelPath(modelsDir: string, name: string, version: string, sha256: string): string {
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_').slice(0, 80);
  return join(modelsDir, `${safe(name)}-${safe(version)}-${sha256.slice(0, 8)}.onnx`);
}

/** Name and version as ModelInfo derives them: metadata, else the file stem and "sha256-<12 hex>". */
export function modelIdentity(metadata: Readonly<Record<string, string>>, file: string, sha256: string): { name: string; version: string } {
  return {
    name: metadata.name?.trim() || basename(file).replace(/\.onnx$/i, ''),
    version: metadata.version?.trim() || `sha256-${sha256.slice(0, 12)}`,
  };
}
