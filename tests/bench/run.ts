// `npm run bench`: prints SharpXR's speed, memory and quality figures against the targets
// of the training issue. A missed target is printed as MISSED with the measured figure;
// the bench never fails a build and never lowers a bar.
//
//   npm run bench [-- --quick] [-- --skip-quality] [-- --skip-paper] [-- --skip-node] [-- --skip-viewer]
//                 [-- --skip-console] [-- --skip-try] [-- --skip-cross-domain]
//
// 1. Inference speed of the default shipped model through onnxruntime-node (2048x2048, tiled).
// 2. The paper-size architecture (64->1024 channels, untrained weights: speed does not depend
//    on them) at 1024x1024, to show why the product model is smaller.
// 4. The DICOM node (tests/bench/node.bench.ts): ingest throughput against DCMTK storescp, and
//    C-STORE -> derived instance in Orthanc for the 2000x2128 DX chest film.
// 5. The viewer (tests/bench/viewer.bench.ts): opening the compare URL until both viewports of
//    the 2000x2128 DX pair are rendered, and the flicker swap latency, in Debian's Chromium.
// 6. The admin console (tests/bench/console.bench.ts): the job page of the exported DX film
//    until both comparison canvases are drawn, cold and warm, in Debian's Chromium.
// 7. Try it (tests/bench/try.bench.ts): 1024x1024 denoised in the browser (onnxruntime-web)
//    against the node (onnxruntime-node).
// 3. Quality on the validation set (../shared): PSNR/SSIM of noisy, NLM, stage 1 and GAN at
//    Gaussian sigma 10/25/50 and Poisson-Gaussian, via `python3 -m training eval`.
// 8. Quality across domains (tests/bench/cross-domain.bench.ts, issue 9): Kaggle validation
//    films at 1x, 0.5x, 0.25x and the adult chest DICOM films as the node maps them, sigma 25.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { readManifest, repoRoot } from '../../server/src/config/index.js';
import { shippedInt8Models } from '../server/helpers.js';
import { shippedEvalModels } from './shipped-eval.js';

const root = repoRoot();
const outDir = join(root, 'out', 'bench');
const valDir = join(root, '..', 'shared', 'data', 'cxr-kaggle-normal', 'val');

interface Target { name: string; target: string; measured: string; met: boolean }
const targets: Target[] = [];

function python(): string {
  if (process.env.SHARPXR_PYTHON) return process.env.SHARPXR_PYTHON;
  return execFileSync('bash', [join(root, 'scripts', 'find-python.sh')], { encoding: 'utf8' }).trim();
}

/** Runs the inference bench in its own process so each figure has its own peak RSS. */
function inferenceBench(model: string, size: number): Record<string, number | string> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'tests/bench/inference.bench.ts'),
    '--model', model, '--size', String(size), '--repeats', '2'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`inference bench failed for ${model}: ${r.stderr}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`inference bench printed no JSON for ${model}`);
  console.log(r.stdout.split('\n').filter((l) => l && !l.startsWith('{')).join('\n'));
  return JSON.parse(line) as Record<string, number | string>;
}

/** The shipped int8 form of the default model (manifest "quantized_from"), if there is one. */
function shippedInt8(): string | undefined {
  const defaultModel = join(root, 'models', readManifest().default);
  return shippedInt8Models().find((m) => m.float === defaultModel)?.int8;
}

function benchDefaultModel(): void {
  const manifest = readManifest();
  const model = join(root, 'models', manifest.default);
  console.log(`\n## Inference: default model ${manifest.default}`);
  const r = inferenceBench(model, 2048);
  const ms = Number(r.msPerMegapixel);
  targets.push({ name: 'inference time per megapixel (onnxruntime-node, 2 cores)', target: '<= 1000 ms/MP',
    measured: `${ms} ms/MP on ${r.provider}, peak RSS ${r.peakRssMb} MB`, met: ms <= 1000 });
  targets.push({ name: 'issue 9: default model per megapixel, in-process (onnxruntime-node, 2 cores, 2048x2048 tiled)', target: '<= 500 ms/MP',
    measured: `${ms} ms/MP`, met: ms <= 500 });
  const int8 = shippedInt8();
  if (!int8) return;
  const q = inferenceBench(int8, 2048);
  targets.push({ name: `issue 9: its shipped int8 form ${basename(int8)} (registered, not the default), in-process`, target: '<= 500 ms/MP',
    measured: `${q.msPerMegapixel} ms/MP, peak RSS ${q.peakRssMb} MB`, met: Number(q.msPerMegapixel) <= 500 });
}

/** `sharpxr denoise` over a folder, model load included, and peak memory on 3000x3000 (issue 9). */
function benchDenoiseCli(quick: boolean): void {
  console.log('\n## sharpxr denoise: wall time over a folder (model load included), peak memory on 3000x3000');
  const int8 = shippedInt8() ?? join(outDir, 'quantize', basename(readManifest().default, '.onnx') + '-int8.onnx');
  const args = [...(quick ? ['--images', '4'] : []), ...(existsSync(int8) ? ['--model', int8] : []), '--tiles', '768,1024'];
  const d = runBenchScript('denoise-cli', args) as { skipped?: string; results?: { model: string; tile: number; folder: { msPerMegapixel: number }; big: { peakRssMb: number; wallMs: number } }[] };
  if (d.skipped || !d.results) return void console.log(`not run: ${d.skipped ?? 'no result'}`);
  const first = d.results[0]!;
  targets.push({ name: `issue 9: sharpxr denoise wall time per megapixel over a folder of Kaggle films, default model, tile ${first.tile}`,
    target: '<= 500 ms/MP', measured: `${first.folder.msPerMegapixel} ms/MP (3000x3000: ${first.big.wallMs} ms, peak RSS ${first.big.peakRssMb} MB)`,
    met: first.folder.msPerMegapixel <= 500 });
}

/** Speed lever: the default model's int8 form (quantize.bench.ts), kept only within 0.1 dB. */
function benchQuantize(quick: boolean): void {
  console.log('\n## int8 form of the default model (static QDQ; full-resolution layers float)');
  const int8 = shippedInt8();
  const q = runBenchScript('quantize', [...(quick ? ['--images', '4'] : []), ...(int8 ? ['--int8', int8] : [])]) as {
    skipped?: string; rows?: { sigma: number; delta: number }[]; domains?: { delta: number }[]; speed?: { floatMsPerMp: number; int8MsPerMp: number } };
  if (q.skipped || !q.rows) return void console.log(`not run: ${q.skipped ?? 'no result'}`);
  const worst = Math.min(...[...q.rows, ...(q.domains ?? [])].map((r) => r.delta));
  targets.push({ name: `int8 quality vs float, Kaggle val sigma ${q.rows.map((r) => r.sigma).join('/')} and the cross-domain sets`, target: 'within 0.10 dB',
    measured: `${worst.toFixed(3)} dB at worst; ${q.speed ? `${q.speed.int8MsPerMp} vs ${q.speed.floatMsPerMp} ms/MP` : 'speed not run'}`, met: worst >= -0.1 });
}

function benchPaperModel(): void {
  console.log('\n## Inference: paper-size architecture (untrained weights)');
  const onnx = join(outDir, 'paper-untrained.onnx');
  if (!existsSync(onnx)) {
    execFileSync(python(), ['-m', 'training', 'export', '--untrained-config', 'training/options/paper_stage1.yml',
      '--out', onnx, '--name', 'sharpxr-paper'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const r = inferenceBench(onnx, 1024);
  console.log(`paper-size model: ${r.msPerMegapixel} ms/MP, peak RSS ${r.peakRssMb} MB ` +
    `(a 2048x2048 image: about ${(Number(r.msPerMegapixel) * 4.19 / 1000).toFixed(1)} s)`);
}

/** Benches that could not give a figure, listed with the targets so a broken one is not mistaken for a pass. */
const notRun: { name: string; why: string }[] = [];

/**
 * Runs tests/bench/<name>.bench.ts, echoes its prose and returns its `{"bench":"<name>",…}` line.
 * A bench that crashes gives `{ skipped }` with its error: the other benches and the summary still run.
 */
function runBenchScript(name: string, args: string[] = []): unknown {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, `tests/bench/${name}.bench.ts`), ...args], { cwd: root, encoding: 'utf8' });
  console.log(r.stdout.split('\n').filter((l) => l && !l.startsWith('{')).join('\n'));
  if (r.status !== 0) {
    const why = `FAILED (exit ${r.status ?? r.signal}): ${r.stderr.trim().split('\n').slice(0, 8).join(' | ')}`;
    notRun.push({ name, why });
    return { skipped: why };
  }
  const line = r.stdout.split('\n').find((l) => l.startsWith(`{"bench":"${name}"`));
  const result = JSON.parse(line ?? '{}') as { skipped?: string };
  if (result.skipped) notRun.push({ name, why: `skipped: ${result.skipped}` });
  return result;
}

function benchNode(): void {
  console.log('\n## DICOM node: ingest and end-to-end latency');
  const n = runBenchScript('node') as { skipped?: string; ratio?: number; ingestMBps?: number; storescpMBps?: number; e2e?: { ms?: number; skipped?: string } };
  if (n.skipped || n.ratio === undefined) {
    console.log(`not run: ${n.skipped ?? 'no result'}`);
    return;
  }
  targets.push({ name: 'ingest MB/s vs DCMTK storescp (chest files, loopback, durable store)', target: '>= 0.33 x storescp',
    measured: `${n.ingestMBps!.toFixed(1)} vs ${n.storescpMBps!.toFixed(1)} MB/s (x${n.ratio.toFixed(2)})`, met: n.ratio >= 1 / 3 });
  if (n.e2e?.ms !== undefined) {
    targets.push({ name: 'DX 2000x2128: C-STORE -> derived instance stored in Orthanc', target: '<= 8000 ms',
      measured: `${Math.round(n.e2e.ms)} ms`, met: n.e2e.ms <= 8000 });
  }
}

function benchViewer(): void {
  console.log('\n## Viewer: open the compare URL, flicker');
  const v = runBenchScript('viewer') as { skipped?: string; coldMedianMs?: number; swapMedianMs?: number; swapMaxMs?: number };
  if (v.skipped || v.coldMedianMs === undefined || v.swapMedianMs === undefined) {
    console.log(`not run: ${v.skipped ?? 'no result'}`);
    return;
  }
  // A reader waits no longer for the pair than for one image in a PACS viewer; a swap within
  // two frames at 60 Hz reads as instant, which flicker comparison depends on.
  targets.push({ name: 'viewer: open compare URL -> both DX 2000x2128 viewports rendered (cold, median of 3)', target: '<= 5000 ms',
    measured: `${Math.round(v.coldMedianMs)} ms`, met: v.coldMedianMs <= 5000 });
  targets.push({ name: 'viewer: flicker swap latency (command -> next painted frame, median of 20)', target: '<= 34 ms',
    measured: `${v.swapMedianMs.toFixed(1)} ms (worst ${v.swapMaxMs!.toFixed(1)} ms)`, met: v.swapMedianMs <= 34 });
}

function benchConsole(): void {
  console.log('\n## Admin console: job page -> first rendered comparison');
  const c = runBenchScript('console') as { skipped?: string; coldMedianMs?: number; warmMedianMs?: number };
  if (c.skipped || c.coldMedianMs === undefined || c.warmMedianMs === undefined) {
    console.log(`not run: ${c.skipped ?? 'no result'}`);
    return;
  }
  // Cold is a reader's first look at a job (nothing cached anywhere); warm is coming back to it,
  // which should feel like switching tabs.
  targets.push({ name: 'console: /jobs/<id> -> both DX 2000x2128 comparison canvases drawn (cold, median of 3)', target: '<= 3000 ms',
    measured: `${Math.round(c.coldMedianMs)} ms`, met: c.coldMedianMs <= 3000 });
  targets.push({ name: 'console: the same, warm (browser cache and node decode cache, median of 3)', target: '<= 1000 ms',
    measured: `${Math.round(c.warmMedianMs)} ms`, met: c.warmMedianMs <= 1000 });
}

function benchTry(): void {
  console.log('\n## Try it: in the browser vs on the node');
  const t = runBenchScript('try') as { skipped?: string; size?: number; browserMs?: number; nodeMs?: number; ratio?: number; threads?: number };
  if (t.skipped || t.browserMs === undefined || t.nodeMs === undefined) {
    console.log(`not run: ${t.skipped ?? 'no result'}`);
    return;
  }
  const ratio = t.browserMs / t.nodeMs;
  targets.push({ name: `Try it ${t.size}x${t.size}: onnxruntime-web in Chromium (${t.threads} threads) vs onnxruntime-node, model run, median of 3`,
    target: 'browser <= 3 x node', measured: `browser ${Math.round(t.browserMs)} ms, node ${Math.round(t.nodeMs)} ms (x${ratio.toFixed(2)})`, met: ratio <= 3 });
}

type Scores = Record<string, { psnr: number; ssim: number; grad_ratio: number }>;
interface EvalReport { images: number; settings: { key: string; label: string; nlm_h: number; results: Scores }[] }

function benchQuality(quick: boolean): void {
  console.log('\n## Quality on the validation set');
  if (!existsSync(valDir)) {
    console.log(`not run: ${valDir} does not exist (the shared data set is needed)`);
    return;
  }
  const shipped = shippedEvalModels(root);
  const out = join(outDir, 'eval');
  const args = ['-m', 'training', 'eval', '--data', valDir, '--out', out, ...shipped.args];
  if (quick) args.push('--max-images', '6');
  execFileSync(python(), args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const report = JSON.parse(readFileSync(join(out, 'eval.json'), 'utf8')) as EvalReport;
  console.log(readFileSync(join(out, 'eval.md'), 'utf8'));
  console.log(`grid: ${join(out, 'grid.png')}`);
  qualityTargets(report, shipped.defaultName);
}

function qualityTargets(report: EvalReport, defaultName: string): void {
  const s25 = report.settings.find((s) => s.key === 'gaussian_25');
  if (!s25) throw new Error('eval.json has no gaussian_25 setting');
  const r = s25.results;
  const margin = r[defaultName]!.psnr - r.nlm!.psnr;
  targets.push({ name: `default model (${defaultName}) over NLM, Gaussian sigma 25, ${report.images} val images`,
    target: '>= +2.50 dB PSNR', measured: `${margin >= 0 ? '+' : ''}${margin.toFixed(2)} dB ` +
      `(${r[defaultName]!.psnr.toFixed(2)} vs ${r.nlm!.psnr.toFixed(2)})`, met: margin >= 2.5 });
  for (const s of report.settings) {
    const gap = s.results.stage1!.psnr - s.results.gan!.psnr;
    targets.push({ name: `GAN within 1 dB of stage 1, ${s.label}`, target: '<= 1.00 dB below',
      measured: `${gap.toFixed(2)} dB below`, met: gap <= 1 });
  }
  // "Visibly sharper" needs a margin a reader would see: at least 10% more gradient energy than
  // stage 1 (a proxy; the grid image is the final judge). A bare ">" would call noise a win.
  const g = (n: string) => r[n]!.grad_ratio;
  targets.push({ name: 'GAN visibly sharper than stage 1 (gradient energy vs clean, sigma 25)',
    target: 'GAN >= 1.10 x stage 1', measured: `GAN ${g('gan').toFixed(3)}, stage 1 ${g('stage1').toFixed(3)}, ` +
      `clean 1.000 (x${(g('gan') / g('stage1')).toFixed(3)})`, met: g('gan') >= 1.1 * g('stage1') });
}

/** Issue 9's bar: films the model was not trained on, Gaussian sigma 25 (cross-domain.bench.ts). */
function benchCrossDomain(quick: boolean): void {
  console.log('\n## Quality across domains (Gaussian sigma 25; NLM is the baseline: no BM3D in Debian or npm)');
  const c = runBenchScript('cross-domain', quick ? ['--quick'] : []) as { skipped?: string; sets?: { key: string; label: string; images: number; results: Scores }[] };
  if (c.skipped || !c.sets) return void console.log(`not run: ${c.skipped ?? 'no result'}`);
  const name = shippedEvalModels(root).defaultName;
  for (const s of c.sets) {
    const r = s.results;
    const need = s.key === 'kaggle-val' ? 3 : 1;
    const margin = r[name]!.psnr - r.nlm!.psnr;
    targets.push({ name: `default model (${name}) over NLM's best, ${s.label}, ${s.images} images`, target: `>= +${need.toFixed(2)} dB PSNR`,
      measured: `${margin >= 0 ? '+' : ''}${margin.toFixed(2)} dB (${r[name]!.psnr.toFixed(2)} vs ${r.nlm!.psnr.toFixed(2)})`, met: margin >= need });
    const gap = r.stage1!.psnr - r.gan!.psnr;
    targets.push({ name: `GAN within 1 dB of stage 1, ${s.label}`, target: '<= 1.00 dB below', measured: `${gap.toFixed(2)} dB below`, met: gap <= 1 });
  }
}

function main(): void {
  const { values } = parseArgs({ options: {
    quick: { type: 'boolean' }, 'skip-quality': { type: 'boolean' }, 'skip-paper': { type: 'boolean' }, 'skip-node': { type: 'boolean' }, 'skip-viewer': { type: 'boolean' },
    'skip-console': { type: 'boolean' }, 'skip-try': { type: 'boolean' }, 'skip-cross-domain': { type: 'boolean' },
    'skip-quantize': { type: 'boolean' }, 'skip-denoise-cli': { type: 'boolean' } } });
  mkdirSync(outDir, { recursive: true });
  benchDefaultModel();
  if (!values['skip-quantize']) benchQuantize(Boolean(values.quick));
  if (!values['skip-denoise-cli']) benchDenoiseCli(Boolean(values.quick));
  if (!values['skip-paper']) benchPaperModel();
  if (!values['skip-node']) benchNode();
  if (!values['skip-viewer']) benchViewer();
  if (!values['skip-console']) benchConsole();
  if (!values['skip-try']) benchTry();
  if (!values['skip-quality']) benchQuality(Boolean(values.quick));
  if (!values['skip-cross-domain']) benchCrossDomain(Boolean(values.quick));
  console.log('\n## Targets');
  for (const t of targets) console.log(`${t.met ? 'MET   ' : 'MISSED'}  ${t.name}: ${t.measured} (target ${t.target})`);
  for (const n of notRun) console.log(`NOT RUN ${n.name} bench: ${n.why}`);
  console.log(JSON.stringify({ bench: 'summary', targets, notRun }));
}

main();
