// OHIF's prebuilt dist (npm @ohif/app) assumes it is served at "/": index.html loads its
// scripts from absolute "/…" URLs and sets window.PUBLIC_URL = "/", the manifest's icons are
// "/assets/…", and each webpack runtime hard-codes `__webpack_require__.p = "/"`, from which
// chunks, wasm and workers load. The node serves OHIF at /viewer/, so scripts/setup-viewer.sh
// rewrites exactly those strings. Every pattern must occur exactly as often as in the pinned
// OHIF version: any other count means a different build, which must fail loudly rather than
// be half-patched into a viewer that loads some chunks from the wrong place.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

export interface RelocationRule {
  readonly name: string;
  /** Which files (path relative to the dist, "/" separated) the rule looks at. */
  readonly files: (path: string) => boolean;
  readonly pattern: RegExp;
  /** `base` is the new public path, e.g. "/viewer/". */
  readonly replacement: (base: string) => string;
  /** Occurrences over all its files. */
  readonly occurrences: number;
  /** How many files contain it (when that is part of what identifies the build). */
  readonly fileCount?: number;
}

export const OHIF_3_13_RULES: readonly RelocationRule[] = [
  {
    name: 'index.html window.PUBLIC_URL', files: (p) => p === 'index.html',
    pattern: /window\.PUBLIC_URL="\/"/g, replacement: (base) => `window.PUBLIC_URL=${JSON.stringify(base)}`, occurrences: 2,
  },
  {
    // src="/x" and href="/x", not protocol-relative src="//cdn…".
    name: 'index.html absolute src/href', files: (p) => p === 'index.html',
    pattern: /(\s(?:src|href)=")\/(?!\/)/g, replacement: (base) => `$1${base}`, occurrences: 31,
  },
  {
    name: 'manifest.json icons', files: (p) => p === 'manifest.json',
    pattern: /("src": ")\/assets\//g, replacement: (base) => `$1${base}assets/`, occurrences: 9,
  },
  {
    // The Inter web font: url(/<hash>.woff2) in the app's stylesheet.
    name: 'app.bundle.css font urls', files: (p) => p === 'app.bundle.css',
    pattern: /url\(\/(?!\/)/g, replacement: (base) => `url(${base}`, occurrences: 5,
  },
  {
    name: 'webpack public path', files: (p) => p.endsWith('.js'),
    pattern: /__webpack_require__\.p = "\/";/g, replacement: (base) => `__webpack_require__.p = ${JSON.stringify(base)};`,
    occurrences: 8, fileCount: 8,
  },
];

export class RelocationError extends Error {
  override name = 'RelocationError';
}

export interface RelocationReport {
  /** Rule name -> files changed (relative paths). */
  readonly changed: Readonly<Record<string, readonly string[]>>;
}

/**
 * Rewrites `dir` in place for `base`. Counts everything first and writes nothing unless every
 * rule matches exactly, so a failure leaves the dist as it was.
 */
export async function relocateDist(dir: string, base: string, rules: readonly RelocationRule[] = OHIF_3_13_RULES): Promise<RelocationReport> {
  if (!/^\/(?:[A-Za-z0-9._-]+\/)+$/.test(base)) throw new RelocationError(`base must look like /viewer/, got "${base}"`);
  const files = await listFiles(dir);
  const hits = await countHits(dir, files, rules);
  const problems = rules.flatMap((rule) => mismatch(rule, hits.get(rule.name)!));
  if (problems.length > 0) {
    throw new RelocationError(`${dir} is not the OHIF build these rules were written for (nothing was changed): ${problems.join('; ')}`);
  }
  const changed: Record<string, string[]> = {};
  const byFile = new Map<string, RelocationRule[]>();
  for (const rule of rules) {
    changed[rule.name] = [...hits.get(rule.name)!.keys()];
    for (const file of changed[rule.name]!) byFile.set(file, [...(byFile.get(file) ?? []), rule]);
  }
  for (const [file, fileRules] of byFile) {
    let text = await readFile(join(dir, file), 'utf8');
    for (const rule of fileRules) text = text.replace(rule.pattern, rule.replacement(base));
    await writeFile(join(dir, file), text);
  }
  return { changed };
}

/** Rule name -> (file -> occurrences), files with none left out. */
async function countHits(dir: string, files: readonly string[], rules: readonly RelocationRule[]): Promise<Map<string, Map<string, number>>> {
  const hits = new Map(rules.map((r) => [r.name, new Map<string, number>()]));
  for (const file of files) {
    const applicable = rules.filter((r) => r.files(file));
    if (applicable.length === 0) continue;
    const text = await readFile(join(dir, file), 'utf8');
    for (const rule of applicable) {
      const n = text.match(rule.pattern)?.length ?? 0;
      if (n > 0) hits.get(rule.name)!.set(file, n);
    }
  }
  return hits;
}

function mismatch(rule: RelocationRule, files: Map<string, number>): string[] {
  const total = [...files.values()].reduce((a, b) => a + b, 0);
  const out: string[] = [];
  if (total !== rule.occurrences) out.push(`${rule.name}: ${total} occurrences, expected ${rule.occurrences}`);
  if (rule.fileCount !== undefined && files.size !== rule.fileCount) out.push(`${rule.name}: in ${files.size} files, expected ${rule.fileCount}`);
  return out;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/')).sort();
}
