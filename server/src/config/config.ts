// Typed configuration of the inference side, parsed and validated once.
// Precedence: explicit values (CLI flags) > environment > defaults. The default model
// comes from models/manifest.json, resolved lazily so commands that pass --model (or
// SHARPXR_MODEL) work on a checkout where no model has been shipped yet.
import { defaultModelPath } from './manifest.js';

export const KNOWN_PROVIDERS = ['cuda', 'tensorrt', 'dml', 'coreml', 'webgpu', 'cpu'] as const;
export type Provider = (typeof KNOWN_PROVIDERS)[number];

export interface InferenceConfig {
  readonly modelPath: string;
  /** Tried in order; the first that creates a session is used. */
  readonly providers: readonly Provider[];
  /** Tile edge in pixels; images at most this large run in one pass. */
  readonly tile: number;
  /** Pixels shared by neighbouring tiles (also the blend ramp length). */
  readonly overlap: number;
  /** onnxruntime intra-op threads; 0 means one per core (see intraOpThreads). */
  readonly threads: number;
  /** Tiles stacked into one run (N of [N,1,H,W]). */
  readonly batch: number;
}

/** Raw values as they arrive from flags or the environment (strings or numbers). */
export interface RawInferenceConfig {
  model?: string | undefined;
  providers?: string | readonly string[] | undefined;
  tile?: string | number | undefined;
  overlap?: string | number | undefined;
  threads?: string | number | undefined;
  batch?: string | number | undefined;
}

// Measured with the product architecture on 2 CPU cores (tests/bench/inference.bench.ts):
// tiles of at most 768 px with 128 px overlap cost ~6% more CPU than 512/64 on 2048x2048
// and the same on 3000x3000 (tiles are resized to cover the image evenly, see tileSize),
// but keep the tiled output 4-7x closer to a whole-image pass: a partly trained model
// differed by ~1.7e-4 at overlap 128, 3.9e-4 at 96 and 1.2e-3 at 64, because its
// receptive field is wide. Peak RSS stays under ~0.75 GB for a 3000x3000 image.
// Batching 2 tiles per run was within noise of 1, at more memory.
export const DEFAULTS = {
  providers: ['cuda', 'cpu'] as readonly Provider[],
  tile: 768,
  overlap: 128,
  threads: 0,
  batch: 1,
} as const;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function envConfig(env: NodeJS.ProcessEnv = process.env): RawInferenceConfig {
  return {
    model: env.SHARPXR_MODEL || undefined,
    providers: env.SHARPXR_PROVIDERS || undefined,
    tile: env.SHARPXR_TILE || undefined,
    overlap: env.SHARPXR_TILE_OVERLAP || undefined,
    threads: env.SHARPXR_THREADS || undefined,
    batch: env.SHARPXR_TILE_BATCH || undefined,
  };
}

/** Merge flags over the environment over defaults, validate, and freeze. */
export function loadInferenceConfig(
  flags: RawInferenceConfig = {},
  env: NodeJS.ProcessEnv = process.env,
): InferenceConfig {
  const fromEnv = envConfig(env);
  const pick = <K extends keyof RawInferenceConfig>(key: K): RawInferenceConfig[K] =>
    flags[key] ?? fromEnv[key];
  const tile = parseInteger('tile', pick('tile'), DEFAULTS.tile, 16, 16384);
  const overlap = parseInteger('overlap', pick('overlap'), DEFAULTS.overlap, 0, 4096);
  if (overlap * 2 > tile) {
    throw new ConfigError(`overlap ${overlap} must be at most half the tile size (${tile})`);
  }
  const config: InferenceConfig = {
    modelPath: pick('model') ?? defaultModelPath(),
    providers: parseProviders(pick('providers')),
    tile,
    overlap,
    threads: parseInteger('threads', pick('threads'), DEFAULTS.threads, 0, 1024),
    batch: parseInteger('batch', pick('batch'), DEFAULTS.batch, 1, 64),
  };
  return Object.freeze({ ...config, providers: Object.freeze([...config.providers]) });
}

export function parseProviders(raw: string | readonly string[] | undefined): Provider[] {
  if (raw === undefined) return [...DEFAULTS.providers];
  const list = (typeof raw === 'string' ? raw.split(',') : [...raw])
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p.length > 0);
  if (list.length === 0) throw new ConfigError('providers: the list is empty');
  for (const p of list) {
    if (!(KNOWN_PROVIDERS as readonly string[]).includes(p)) {
      throw new ConfigError(`providers: unknown "${p}" (known: ${KNOWN_PROVIDERS.join(', ')})`);
    }
  }
  return [...new Set(list)] as Provider[];
}

export function parseInteger(
  name: string,
  raw: string | number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined || raw === '') return fallback;
  const value = typeof raw === 'number' ? raw : Number(raw.trim());
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}: expected an integer in [${min}, ${max}], got "${raw}"`);
  }
  return value;
}
