// Try it benchmark (issue 8), printed, never asserted: a 1024x1024 chest image denoised with
// the shipped model in the node's default tiles, (a) in Debian's Chromium on the Try it page
// with onnxruntime-web (WebAssembly SIMD, one thread per core: the node sends COOP/COEP) and
// (b) by the node's /api/try/denoise with onnxruntime-node in its pipeline child, side by side.
// Model run only (the page's inferMs, the node's inferMs): decoding, normalizing and the guard
// are the same code on both sides. Median of 3 after one warm-up each. Prints human lines and
// one JSON line `{"bench":"try",...}` for run.ts.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { freePort } from '../helpers/dcmtk.js';
import { createNodeUser, loginToNode } from '../helpers/node-login.js';
import { startNodeProcess } from '../helpers/node-process.js';
import { encodePng, type GrayImage } from '../../server/src/imaging/index.js';
import { decodeInstance } from '../../server/src/pipeline/decode/index.js';
import { decodeContainer } from '../../server/src/try/container.js';
import { ensureConsoleBuilt, signIn } from '../console/console-browser.js';
import { ROOT, syntheticRadiograph, tempDir } from '../server/helpers.js';
import { chromiumMissing, launch } from '../viewer/browser.js';

const DX = join(ROOT, '..', 'shared', 'data', 'dicom', 'chest', 'DX_chest_966_fixed_J2KR.dcm');
const SIZE = 1024;
const RUNS = 3;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The centre 1024x1024 of the DX film as a 16-bit PNG (synthetic when the shared data is absent). */
async function benchImage(dir: string): Promise<{ path: string; source: string }> {
  let image: GrayImage;
  let source = 'synthetic 8-bit';
  if (existsSync(DX)) {
    const { image: dx } = await decodeInstance(readFileSync(DX));
    const [x0, y0] = [(dx.width - SIZE) >> 1, (dx.height - SIZE) >> 1];
    const max = 2 ** dx.bitsStored - 1;
    const pixels = new Float32Array(SIZE * SIZE);
    for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) pixels[y * SIZE + x] = dx.pixels[(y0 + y) * dx.width + x0 + x]! / max;
    image = { width: SIZE, height: SIZE, pixels, bitDepth: 16 };
    source = `centre of ${DX.split('/').pop()} (16-bit PNG)`;
  } else {
    image = syntheticRadiograph(SIZE, SIZE, 3);
  }
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'try-1024.png');
  writeFileSync(path, encodePng(image));
  return { path, source };
}

async function browserRun(page: Page, file: string, n: number): Promise<{ ms: number; threads: number; isolated: boolean; tiles: number; modelMs: number; result: number[] }> {
  await page.getByTestId('try-file').setInputFiles(file);
  await page.waitForFunction((k) => (globalThis as unknown as { __sharpxrTry?: { runs?: number } }).__sharpxrTry !== undefined && (globalThis as unknown as { __tryRuns: number }).__tryRuns >= k, n, { timeout: 600_000, polling: 200 });
  return page.evaluate(() => {
    const t = (globalThis as unknown as { __sharpxrTry: { threads: number; crossOriginIsolated: boolean; timings: { inferMs: number; tiles: number; modelMs: number }; result: Float32Array } }).__sharpxrTry;
    return { ms: t.timings.inferMs, threads: t.threads, isolated: t.crossOriginIsolated, tiles: t.timings.tiles, modelMs: t.timings.modelMs, result: Array.from(t.result) };
  });
}

async function main(): Promise<void> {
  const skipped = chromiumMissing();
  if (skipped) return void console.log(JSON.stringify({ bench: 'try', skipped }));
  ensureConsoleBuilt();
  const tmp = tempDir('sharpxr-bench-try-');
  const node = await startNodeProcess({ dir: join(tmp.dir, 'node'), dicomPort: await freePort(), httpPort: await freePort(), config: { log: { level: 'warn' } } });
  const browser = await launch();
  try {
    const { path, source } = await benchImage(join(tmp.dir, 'img'));
    const bytes = readFileSync(path);
    const api = await loginToNode(node, 'operator');
    const nodeMs: number[] = [];
    let nodeResult: Float32Array | undefined;
    for (let i = 0; i <= RUNS; i++) {
      const res = await fetch(`${node.httpUrl}/api/try/denoise?arrays=result`, { method: 'POST', headers: { ...api.headers, 'content-type': 'image/png' }, body: new Uint8Array(bytes) });
      const { meta, arrays } = decodeContainer<{ timings: { inferMs: number } }>(new Uint8Array(await res.arrayBuffer()));
      if (i > 0) nodeMs.push(meta.timings.inferMs);
      nodeResult = arrays.result as Float32Array;
    }
    const { page } = await signIn(browser, node.httpUrl, await createNodeUser(node, 'operator', 'bench'), '/try');
    // Counts finished runs (each sets __sharpxrTry anew), so the same file dropped again is seen.
    // (A string: tsx would wrap named functions of a callback in a helper the page does not have.)
    await page.evaluate(`(() => {
      let value; globalThis.__tryRuns = 0;
      Object.defineProperty(globalThis, '__sharpxrTry', { configurable: true, get() { return value; }, set(v) { value = v; if (v) globalThis.__tryRuns++; } });
    })()`);
    const browserMs: number[] = [];
    let last: Awaited<ReturnType<typeof browserRun>> | undefined;
    let modelLoadMs = 0;
    for (let i = 0; i <= RUNS; i++) {
      last = await browserRun(page, path, i + 1);
      if (i === 0) modelLoadMs = last.modelMs;
      else browserMs.push(last.ms);
    }
    let maxDiff = 0;
    for (let i = 0; i < nodeResult!.length; i++) maxDiff = Math.max(maxDiff, Math.abs(nodeResult![i]! - last!.result[i]!));
    const b = median(browserMs);
    const n = median(nodeMs);
    console.log(`image: ${SIZE}x${SIZE}, ${source}; ${last!.tiles} tiles (the node's default tiling)`);
    console.log(`in the browser, onnxruntime-web wasm (${last!.threads} threads, ${last!.isolated ? 'cross-origin isolated' : 'NOT isolated'}): ${Math.round(b)} ms (runs ${browserMs.map(Math.round).join(', ')}); model download + session ${Math.round(modelLoadMs)} ms once`);
    console.log(`on the node, onnxruntime-node cpu:                     ${Math.round(n)} ms (runs ${nodeMs.map(Math.round).join(', ')})`);
    console.log(`browser / node: x${(b / n).toFixed(2)}; max |browser - node| ${maxDiff.toExponential(2)} (model domain)`);
    const ms = (x: number): number => Math.round(x * 10) / 10;
    console.log(JSON.stringify({ bench: 'try', size: SIZE, source, browserMs: ms(b), nodeMs: ms(n), ratio: Math.round((b / n) * 100) / 100, threads: last!.threads, isolated: last!.isolated, tiles: last!.tiles, modelLoadMs: ms(modelLoadMs), maxDiff: Number(maxDiff.toExponential(2)) }));
  } finally {
    await browser.close();
    await node.kill9();
    tmp.cleanup();
  }
}

await main();
