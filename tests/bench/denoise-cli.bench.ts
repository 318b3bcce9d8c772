// `sharpxr denoise` as a user runs it (issue 9), printed, never asserted: wall time of the
// built CLI over a folder of Kaggle validation films, model load and file I/O included, per
// megapixel; and the peak resident memory of one run on a 3000x3000 16-bit PNG. Both for the
// default model and, if given, another (--model, e.g. its int8 form). /usr/bin/time -v reads
// the child's peak RSS and wall clock.
//
//   node --import tsx tests/bench/denoise-cli.bench.ts [--images 8] [--model m.onnx] [--tiles 768,1024]
//
// --tiles times each model at each tile size (the first is the node's default, 768): a ~1 MP
// film fits one 1024 px tile and then computes no overlap.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULTS, defaultModelPath, repoRoot } from '../../server/src/config/index.js';
import { readImage, writePng } from '../../server/src/imaging/index.js';
import { syntheticImage } from './inference.bench.js';

const root = repoRoot();
const kaggleVal = join(root, '..', 'shared', 'data', 'cxr-kaggle-normal', 'val');
const out = join(root, 'out', 'bench', 'denoise-cli');
const cli = join(root, 'server', 'bin', 'sharpxr.js');

export interface CliRun { readonly wallMs: number; readonly peakRssMb: number; readonly megapixels: number; readonly msPerMegapixel: number }

/** One `sharpxr denoise <input> --out <dir>` under /usr/bin/time -v. */
function timedDenoise(input: string, megapixels: number, model: string, tile: number): CliRun {
  const dest = join(out, 'result');
  rmSync(dest, { recursive: true, force: true });
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, cli, 'denoise', input, '--out', dest, '--model', model, '--tile', String(tile)],
    { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sharpxr denoise failed (${r.status}): ${r.stderr.slice(-800)}`);
  const field = (name: string): string => r.stderr.match(new RegExp(`${name}: (.+)`))?.[1]?.trim() ?? '';
  const [m, s] = field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)').split(':').slice(-2).map(Number);
  const wallMs = Math.round(((m ?? 0) * 60 + (s ?? 0)) * 1000);
  const peakRssMb = Math.round(Number(field('Maximum resident set size \\(kbytes\\)')) / 1024);
  return { wallMs, peakRssMb, megapixels: round(megapixels), msPerMegapixel: Math.round(wallMs / megapixels) };
}

async function folderOfFilms(n: number): Promise<{ dir: string; megapixels: number }> {
  const dir = join(out, 'films');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let megapixels = 0;
  for (const f of readdirSync(kaggleVal).filter((x) => /\.jpe?g$/i.test(x)).sort().slice(0, n)) {
    symlinkSync(join(kaggleVal, f), join(dir, f));
    const img = await readImage(join(kaggleVal, f));
    megapixels += (img.width * img.height) / 1e6;
  }
  return { dir, megapixels };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    images: { type: 'string', default: '8' }, model: { type: 'string' }, tiles: { type: 'string', default: String(DEFAULTS.tile) } } });
  if (!existsSync(kaggleVal)) return void console.log(JSON.stringify({ bench: 'denoise-cli', skipped: `${kaggleVal} missing` }));
  if (!existsSync(join(root, 'server', 'dist', 'cli', 'index.js'))) {
    return void console.log(JSON.stringify({ bench: 'denoise-cli', skipped: 'server not built (npm run build)' }));
  }
  mkdirSync(out, { recursive: true });
  const folder = await folderOfFilms(Number(values.images));
  const big = join(out, 'synthetic-3000x3000.png');
  if (!existsSync(big)) await writePng(big, { width: 3000, height: 3000, pixels: syntheticImage(3000, 3000), bitDepth: 16 });
  const models = [defaultModelPath(), ...(values.model ? [values.model] : [])];
  const tiles = values.tiles!.split(',').map(Number);
  const results = models.flatMap((model) => tiles.map((tile) => ({
    model, tile, folder: timedDenoise(folder.dir, folder.megapixels, model, tile), big: timedDenoise(big, 9, model, tile),
  })));
  for (const r of results) {
    console.log(`${basename(r.model)}, tile ${r.tile}: folder of ${values.images} films (${r.folder.megapixels} MP) ${r.folder.wallMs} ms wall = ${r.folder.msPerMegapixel} ms/MP ` +
      `(peak RSS ${r.folder.peakRssMb} MB); 3000x3000 ${r.big.wallMs} ms wall, peak RSS ${r.big.peakRssMb} MB`);
  }
  console.log(JSON.stringify({ bench: 'denoise-cli', images: Number(values.images), results }));
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

await main();
