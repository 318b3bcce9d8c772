// Shared pieces of the server tests: where the model, Python and fixtures are, seeded
// random numbers, and small image utilities. No mocks: everything here is real data.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { defaultManifestPath, defaultModelPath, readManifest, repoRoot, weightsFor, type ManifestEntry } from '../../server/src/config/index.js';
import { readImage, type GrayImage } from '../../server/src/imaging/index.js';
import { parseDicom } from '../../server/src/pipeline/decode/index.js';
import { readOnnxInfo } from '../../server/src/pipeline/infer/onnx-metadata.js';
import { modelIdentity, sha256File } from '../../server/src/registry/model-file.js';

export const ROOT = repoRoot();

/** The ONNX model under test: SHARPXR_TEST_MODEL, else models/manifest.json's default. */
export function testModelPath(): string {
  if (process.env.SHARPXR_TEST_MODEL) return process.env.SHARPXR_TEST_MODEL;
  try {
    return defaultModelPath();
  } catch (err) {
    throw new Error(`no model to test: set SHARPXR_TEST_MODEL (and SHARPXR_TEST_WEIGHTS) or ship one. ${(err as Error).message}`);
  }
}

/** Every model to check against its PyTorch weights: SHARPXR_TEST_MODEL alone, else all shipped
 *  float ones (an int8 form is held to its float source instead, in quantize.test.ts). */
export function testModelPaths(): string[] {
  if (process.env.SHARPXR_TEST_MODEL) return [process.env.SHARPXR_TEST_MODEL];
  const manifest = readManifest();
  return manifest.models.filter((m) => !m.quantized_from).map((m) => resolve(ROOT, 'models', m.file));
}

/** A float model with PyTorch weights: the default, or its float source when the default is an int8 form. */
export function testFloatModelPath(): string {
  const model = testModelPath();
  const entry = readManifest().models.find((m) => resolve(ROOT, 'models', m.file) === resolve(model));
  return entry?.quantized_from ? resolve(ROOT, 'models', entry.quantized_from) : model;
}

/** The shipped int8 forms with their float sources. */
export function shippedInt8Models(): { int8: string; float: string }[] {
  return readManifest().models.flatMap((m) => (m.quantized_from
    ? [{ int8: resolve(ROOT, 'models', m.file), float: resolve(ROOT, 'models', m.quantized_from) }] : []));
}

/** A model shipped in models/ (manifest.json), named as the registry names it. */
export interface ShippedModel {
  /** Absolute path of the ONNX file. */
  readonly file: string;
  /** Its basename, as the manifest lists it (e.g. "<name>.onnx"). */
  readonly fileName: string;
  /** Registry name and version: ONNX metadata name/version (modelIdentity in registry/model-file.ts). */
  readonly name: string;
  readonly version: string;
  /** The manifest's stage, else the metadata's, else null (as registerShipped records it). */
  readonly stage: string | null;
  /** Absolute path of its PyTorch weights (the manifest's "weights"), else undefined (an int8 form). */
  readonly weights?: string;
  /** The float model's file name for an int8 form, else undefined. */
  readonly quantizedFrom?: string;
  /** The file's ONNX metadata_props, as the registry stores them. */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface Shipped {
  /** The manifest's "default". */
  readonly default: ShippedModel;
  /** The entry with stage "gan" (throws when read if there is not exactly one). */
  readonly gan: ShippedModel;
  /** The int8 forms (entries with quantized_from). */
  readonly int8: readonly ShippedModel[];
  /** Every entry, in manifest order (the default among them). */
  readonly all: readonly ShippedModel[];
}

/**
 * The shipped models as the registry sees them, read from models/manifest.json and each file's
 * ONNX metadata, so tests need not pin which model is the default or any name or version.
 */
export async function shippedModels(manifestPath: string = defaultManifestPath()): Promise<Shipped> {
  const manifest = readManifest(manifestPath);
  const dir = resolve(manifestPath, '..');
  const describe = async (fileName: string, entry: Omit<ManifestEntry, 'file'> = {}): Promise<ShippedModel> => {
    const file = resolve(dir, fileName);
    const metadata = (await readOnnxInfo(file)).metadata;
    const { name, version } = modelIdentity(metadata, file, await sha256File(file));
    return { file, fileName: basename(file), name, version, stage: entry.stage ?? metadata.stage ?? null,
      ...(entry.weights ? { weights: resolve(dir, entry.weights) } : {}), ...(entry.quantized_from ? { quantizedFrom: entry.quantized_from } : {}), metadata };
  };
  const all = await Promise.all(manifest.models.map((m) => describe(m.file, m)));
  const def = all.find((m) => m.file === resolve(dir, manifest.default));
  if (!def) throw new Error(`${manifestPath}: the default ${manifest.default} is not among "models"`);
  const gans = all.filter((m) => m.stage === 'gan');
  return {
    default: def, int8: all.filter((m) => m.quantizedFrom !== undefined), all,
    // Checked when a test asks for it, so tests that need no GAN still run without one.
    get gan(): ShippedModel {
      if (gans.length !== 1) throw new Error(`${manifestPath}: expected exactly one shipped model with stage "gan", found ${gans.length}`);
      return gans[0]!;
    },
  };
}

/** `s` with every RegExp special character escaped, for patterns built from model names. */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Its PyTorch weights: SHARPXR_TEST_WEIGHTS, else the manifest's entry, else <model>.pt. */
export function testWeightsPath(model: string): string {
  return process.env.SHARPXR_TEST_WEIGHTS || weightsFor(model);
}

/**
 * A Python that can run the training package (and import `extraModule` if given):
 * SHARPXR_PYTHON, else what scripts/find-python.sh prints, else /usr/bin/python3.
 */
export function pythonPath(extraModule?: string): string {
  const candidates: string[] = [];
  if (process.env.SHARPXR_PYTHON) candidates.push(process.env.SHARPXR_PYTHON);
  const finder = join(ROOT, 'scripts', 'find-python.sh');
  if (existsSync(finder)) {
    const found = spawnSync('bash', [finder], { cwd: ROOT, encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) candidates.push(found.stdout.trim());
  }
  candidates.push('/usr/bin/python3');
  if (!extraModule) return candidates[0]!;
  for (const py of candidates) {
    if (spawnSync(py, ['-c', `import ${extraModule}`], { stdio: 'ignore' }).status === 0) return py;
  }
  throw new Error(`no Python with "${extraModule}" among ${candidates.join(', ')} (set SHARPXR_PYTHON)`);
}

/** Run a Python command from the repository root; throws with its stderr on failure. */
export function runPython(python: string, args: readonly string[]): string {
  try {
    return execFileSync(python, [...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${python} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

/**
 * A real chest radiograph: the shared validation image if ../shared is there, else a
 * committed fixture JPEG, else null (callers fall back to a synthetic image).
 */
export function fixtureJpegPath(): string | null {
  const shared = resolve(ROOT, '..', 'shared', 'data', 'cxr-kaggle-normal', 'val', 'IM-0199-0001.jpg');
  if (existsSync(shared)) return shared;
  const dir = join(ROOT, 'tests', 'fixtures', 'images');
  const jpgs = existsSync(dir) ? readdirSync(dir).filter((n) => /\.jpe?g$/i.test(n)).sort() : [];
  return jpgs.length > 0 ? join(dir, jpgs[0]!) : null;
}

/** The fixture radiograph, or a synthetic one with edges and texture if none exists. */
export async function fixtureImage(): Promise<{ image: GrayImage; source: string }> {
  const path = fixtureJpegPath();
  if (path) return { image: await readImage(path), source: path };
  return { image: syntheticRadiograph(1024, 720, 7), source: 'synthetic' };
}

export function syntheticRadiograph(width: number, height: number, seed: number): GrayImage {
  const rand = seededRandom(seed);
  const pixels = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width - 0.5;
      const v = y / height - 0.5;
      const lungs = Math.abs(Math.abs(u) - 0.2) < 0.12 && Math.abs(v) < 0.3 ? -0.25 : 0;
      const ribs = 0.06 * Math.sin(y / 9 + 4 * Math.abs(u));
      pixels[y * width + x] = clamp01(0.6 + lungs + ribs + 0.02 * (rand() - 0.5));
    }
  }
  return { width, height, pixels, bitDepth: 8 };
}

export function crop(image: GrayImage, x0: number, y0: number, width: number, height: number): GrayImage {
  const w = Math.min(width, image.width - x0);
  const h = Math.min(height, image.height - y0);
  const pixels = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const from = (y + y0) * image.width + x0;
    pixels.set(image.pixels.subarray(from, from + w), y * w);
  }
  return { ...image, width: w, height: h, pixels };
}

/** mulberry32: small, fast, and the same sequence on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box-Muller) from a seeded uniform source. */
export function seededGaussian(seed: number): () => number {
  const rand = seededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

export function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** PSNR in dB of `a` against `b`, both in [0, 1]. */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return 20 * Math.log10(1 / rmse(a, b));
}

export function rmse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(sum / a.length);
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** A fresh temporary folder, removed by the returned cleanup function. */
export function tempDir(prefix = 'sharpxr-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The committed CR fixture (real, 440x440, 10-bit MONOCHROME1). */
export const FIXTURE_CR = join(ROOT, 'tests', 'fixtures', 'dicom', 'CR-MONO1-10-chest_dcmbench_explicitLE.dcm');

/** SOP Instance UID of a DICOM file, read with the project's own parser. */
export function sopInstanceUidOf(path: string): string {
  const uid = parseDicom(readFileSync(path)).dataset['00080018']?.Value?.[0];
  if (typeof uid !== 'string') throw new Error(`${path} has no SOP Instance UID`);
  return uid;
}

/** Copies of the fixture CR named <name>.dcm in `dir`, each with a new SOP Instance UID (DCMTK dcmodify). */
export function freshFixtureCopies(dir: string, names: readonly string[]): string[] {
  mkdirSync(dir, { recursive: true });
  return names.map((name) => {
    const file = join(dir, `${name}.dcm`);
    copyFileSync(FIXTURE_CR, file);
    execFileSync('dcmodify', ['-gin', '-nb', file]);
    return file;
  });
}

/** The Prisma CLI, offline (prisma.config.ts gives it the better-sqlite3 adapter). */
export function prismaCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const cli = join(ROOT, 'node_modules', 'prisma', 'build', 'index.js');
  return spawnSync(process.execPath, [cli, ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1', ...env },
  });
}
