// models/manifest.json names the shipped models and which one is the default:
//   {"default": "sharpxr-product-gan.onnx",
//    "models": [{"file": "...onnx", "weights": "...pt", "stage": "stage1"},
//               {"file": "...-int8.onnx", "quantized_from": "...onnx", "stage": "stage1"}, ...]}
// Paths in it are relative to the manifest's folder.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ManifestEntry {
  readonly file: string;
  readonly weights?: string;
  readonly stage?: string;
  /** An int8 form names its float source; it has no PyTorch weights of its own. */
  readonly quantized_from?: string;
}

export interface Manifest {
  readonly default: string;
  readonly models: readonly ManifestEntry[];
}

export class ManifestError extends Error {
  override name = 'ManifestError';
}

/** Repository root: this file is server/{src,dist}/config/manifest.{ts,js}. */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

export function defaultManifestPath(): string {
  return join(repoRoot(), 'models', 'manifest.json');
}

export function readManifest(path: string = defaultManifestPath()): Manifest {
  if (!existsSync(path)) {
    throw new ManifestError(
      `no model manifest at ${path}: ship models/manifest.json ` +
        '(export a model with `python3 -m training export`), ' +
        'or name a model with --model or SHARPXR_MODEL',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ManifestError(`model manifest ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return validateManifest(parsed, path);
}

function validateManifest(value: unknown, path: string): Manifest {
  const m = value as Partial<Manifest> | null;
  if (!m || typeof m.default !== 'string' || !Array.isArray(m.models)) {
    throw new ManifestError(`model manifest ${path}: needs "default" (string) and "models" (array)`);
  }
  for (const entry of m.models) {
    if (!entry || typeof entry.file !== 'string') {
      throw new ManifestError(`model manifest ${path}: every entry in "models" needs a "file"`);
    }
  }
  return m as Manifest;
}

/** Absolute path of the default ONNX model; throws a readable error if anything is missing. */
export function defaultModelPath(manifestPath: string = defaultManifestPath()): string {
  const manifest = readManifest(manifestPath);
  const model = resolve(dirname(manifestPath), manifest.default);
  if (!existsSync(model)) {
    throw new ManifestError(`default model ${model} (from ${manifestPath}) does not exist`);
  }
  return model;
}

/** The PyTorch weights beside a model: the manifest's "weights" entry, else <model>.pt. */
export function weightsFor(modelPath: string, manifestPath: string = defaultManifestPath()): string {
  const fallback = modelPath.replace(/\.onnx$/i, '') + '.pt';
  if (!existsSync(manifestPath)) return fallback;
  const manifest = readManifest(manifestPath);
  const dir = dirname(manifestPath);
  const entry = manifest.models.find((e) => resolve(dir, e.file) === resolve(modelPath));
  return entry?.weights ? resolve(dir, entry.weights) : fallback;
}
