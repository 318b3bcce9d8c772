// Try it in a real browser (Debian's Chromium via playwright-core) against a real node
// (`sharpxr start`, the shipped model, 256-px tiles so the fixtures are tiled): the page is
// cross-origin isolated and onnxruntime-web runs on as many threads as cores, with its
// WebAssembly from the console's own assets and the model from the node; a 16-bit PNG and a
// DICOM denoised in the browser match the node's /api/try result within 1e-3 (model domain);
// the strength slider re-blends without running the model and still matches the node at the new
// strength; swipe, flicker and the guard map; PNG and derived DICOM downloads (their pixels the
// node's); the node engine; the fallback to the node, said and explained, when the browser
// cannot run the model (a JIT-less Chromium without WebAssembly, and onnxruntime-web failing
// when a proxy blocks its .wasm); clear errors for bad files; a viewer cannot use the node
// engine. Screenshots: out/screenshots/try/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { freePort } from '../helpers/dcmtk.js';
import { createNodeUser, loginToNode, type NodeSession } from '../helpers/node-login.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { decodeInstance } from '../../server/src/pipeline/decode/index.js';
import { decodeContainer } from '../../server/src/try/container.js';
import { FIXTURE_CR, ROOT, shippedModels, tempDir } from '../server/helpers.js';
import { CHROMIUM, chromiumMissing, launch } from '../viewer/browser.js';
import { ensureConsoleBuilt, screenshotsOf, signIn, snap, type ConsolePage } from './console-browser.js';

const skip = chromiumMissing();
/** The node runs the shipped default model. */
const SHIPPED = await shippedModels();
const SHOTS = screenshotsOf('try');
const PNG16 = join(ROOT, 'tests', 'fixtures', 'images', 'cr-mono1-10-chest-16bit.png');
const JPEG = join(ROOT, 'tests', 'fixtures', 'images', 'IM-0393-0001.jpg');
const TOLERANCE = 1e-3;
/** The routes that take an image; the page may only ask /api/try/model and the model file. */
const SENDS_IMAGE = /\/api\/try\/(denoise|decode)/;

interface Exposed {
  engine: string; fallback: string | null; kind: string; decodedBy: string; width: number; height: number; strength: number;
  threads: number | null; crossOriginIsolated: boolean; timings: { inferMs: number; tiles: number; modelMs: number };
  result: number[]; clippedFraction: number;
}

/** A 16-bit gray PNG's samples (pngjs gives RGBA at 16 bits; gray is repeated). */
function samples16(png: PNG): Uint16Array {
  const data = png.data as unknown as Uint16Array;
  const out = new Uint16Array(png.width * png.height);
  for (let i = 0; i < out.length; i++) out[i] = data[i * 4]!;
  return out;
}

describe('console: Try it', { skip }, () => {
  const tmp = tempDir('sharpxr-console-try-');
  let node: NodeProcess;
  let browser: Browser;
  let operator: ConsolePage;
  let api: NodeSession;
  const requests: string[] = [];

  before(async () => {
    ensureConsoleBuilt();
    node = await startNodeProcess({ dir: join(tmp.dir, 'node'), dicomPort: await freePort(), httpPort: await freePort(), config: { model: { tile: 256, overlap: 64 } } });
    const name = await createNodeUser(node, 'operator', 'tina');
    api = await loginToNode(node, 'operator');
    browser = await launch();
    operator = await signIn(browser, node.httpUrl, name, '/try');
    operator.page.on('request', (r) => requests.push(r.url()));
  });
  after(async () => {
    await browser?.close();
    await node?.kill9();
    tmp.cleanup();
  });

  /** The node's /api/try result for the same file and strength, in the model domain. */
  const nodeArray = async (bytes: Buffer, strength: number, array: 'result' | 'stored'): Promise<ArrayLike<number>> => {
    const res = await fetch(`${node.httpUrl}/api/try/denoise?strength=${strength}&arrays=${array}`, { method: 'POST', headers: { ...api.headers, 'content-type': 'application/octet-stream' }, body: new Uint8Array(bytes) });
    assert.equal(res.status, 200, await res.clone().text());
    return decodeContainer(new Uint8Array(await res.arrayBuffer())).arrays[array]!;
  };
  const nodeResult = (bytes: Buffer, strength: number) => nodeArray(bytes, strength, 'result');
  const nodePng = async (bytes: Buffer, strength: number): Promise<PNG> => {
    const res = await fetch(`${node.httpUrl}/api/try/denoise?strength=${strength}&output=png`, { method: 'POST', headers: { ...api.headers, 'content-type': 'application/octet-stream' }, body: new Uint8Array(bytes) });
    assert.equal(res.status, 200);
    return PNG.sync.read(Buffer.from(await res.arrayBuffer()), { skipRescale: true });
  };
  const exposed = (page: Page): Promise<Exposed> => page.evaluate(() => {
    const t = (globalThis as unknown as { __sharpxrTry: Omit<Exposed, 'result'> & { result: Float32Array } }).__sharpxrTry;
    return { ...t, result: Array.from(t.result) };
  });
  const waitForResult = (page: Page, match: Partial<Pick<Exposed, 'engine' | 'kind' | 'strength' | 'fallback'>>) => page.waitForFunction((m) => {
    const t = (globalThis as unknown as { __sharpxrTry?: Record<string, unknown> }).__sharpxrTry;
    return !!t && Object.entries(m).every(([k, v]) => t[k] === v);
  }, match, { timeout: 120_000, polling: 100 });
  const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
    assert.equal(a.length, b.length);
    let max = 0;
    for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
    return max;
  };

  it('is cross-origin isolated and offers the node\'s model, the browser engine first', async () => {
    const { page } = operator;
    await page.getByTestId('try-drop').waitFor();
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    assert.equal(await page.getByTestId('try-engine-browser').isChecked(), true);
    await page.getByText(`Model: ${SHIPPED.default.name}`).waitFor();
    await snap(page, SHOTS, '01-empty');
  });

  it('denoises a 16-bit PNG in the browser, on every core, matching the node within 1e-3', async (t) => {
    const { page } = operator;
    await page.getByTestId('try-file').setInputFiles(PNG16);
    await waitForResult(page, { engine: 'browser', kind: 'png' });
    const got = await exposed(page);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    assert.equal(got.crossOriginIsolated, true);
    assert.equal(got.threads, Math.min(8, cores), 'onnxruntime-web uses one thread per core');
    assert.ok(got.timings.tiles > 1, 'the 440 px image runs in 256 px tiles');
    const diff = maxDiff(got.result, await nodeResult(readFileSync(PNG16), got.strength));
    t.diagnostic(`16-bit PNG: ${got.threads} threads, ${got.timings.tiles} tiles, model ${Math.round(got.timings.inferMs)} ms, max |browser - node| ${diff.toExponential(2)}`);
    assert.ok(diff <= TOLERANCE, `max |browser - node| = ${diff}`);
    const local = requests.filter((u) => !u.startsWith(node.httpUrl) && !u.startsWith('blob:') && !u.startsWith('data:'));
    assert.deepEqual(local, [], 'nothing is loaded from anywhere but the node');
    assert.ok(requests.some((u) => /\/assets\/ort-wasm-simd-threaded-[^/]+\.wasm$/.test(u)), 'the WebAssembly comes from the console\'s assets');
    assert.ok(requests.some((u) => /\/api\/models\/[^/]+\/file$/.test(u)), 'the model comes from the node');
    assert.ok(!requests.some((u) => SENDS_IMAGE.test(u)), 'the image is not sent to the node');
    assert.equal(got.fallback, null);
    assert.match(await page.getByTestId('try-ran').innerText(), /Denoised in this browser \(onnxruntime-web wasm, \d threads?\): the file did not leave this machine/);
    await page.getByTestId('try-timings').waitFor();
    await snap(page, SHOTS, '02-png-swipe');
  });

  it('denoises the CR DICOM in the browser (dcmjs), matching the node within 1e-3', async (t) => {
    const { page } = operator;
    await page.getByTestId('try-file').setInputFiles(FIXTURE_CR);
    await waitForResult(page, { engine: 'browser', kind: 'dicom' });
    const got = await exposed(page);
    assert.equal(got.decodedBy, 'browser');
    assert.ok(got.timings.modelMs < 50, 'the model loaded for the PNG is reused');
    const diff = maxDiff(got.result, await nodeResult(readFileSync(FIXTURE_CR), got.strength));
    t.diagnostic(`CR DICOM: model ${Math.round(got.timings.inferMs)} ms, max |browser - node| ${diff.toExponential(2)}, bounded ${(got.clippedFraction * 100).toFixed(2)} %`);
    assert.ok(diff <= TOLERANCE, `max |browser - node| = ${diff}`);
    assert.ok(!requests.some((u) => SENDS_IMAGE.test(u)), 'an uncompressed DICOM is decoded here');
    await snap(page, SHOTS, '03-dicom-swipe');
  });

  it('re-blends at another strength without running the model, still the node\'s result', async () => {
    const { page } = operator;
    const before = await exposed(page);
    const slider = page.getByTestId('try-strength');
    await slider.focus();
    for (let i = 0; i < 8; i++) await slider.press('ArrowLeft');
    await waitForResult(page, { strength: 0.4 });
    const after = await exposed(page);
    assert.equal(after.timings.inferMs, before.timings.inferMs, 'same model run');
    assert.ok(after.clippedFraction < before.clippedFraction, 'a weaker blend needs the bound less');
    assert.ok(maxDiff(after.result, await nodeResult(readFileSync(FIXTURE_CR), 0.4)) <= TOLERANCE);
    await snap(page, SHOTS, '04-strength-0.4');
    await page.getByRole('button', { name: 'reset' }).click();
    await waitForResult(page, { strength: 0.8 });
  });

  it('flickers, and shows the guard map over the images', async () => {
    const { page } = operator;
    const view = page.getByTestId('compare-view');
    await view.focus();
    await page.keyboard.press('f');
    assert.equal(await view.getAttribute('data-mode'), 'flicker');
    const first = await view.getAttribute('data-flicker');
    await page.keyboard.press('f');
    assert.notEqual(await view.getAttribute('data-flicker'), first);
    await snap(page, SHOTS, '05-flicker-guard-map');
    await page.keyboard.press('1');
    assert.equal(await view.getAttribute('data-mode'), 'side');
    await snap(page, SHOTS, '06-side-by-side');
  });

  it('downloads the result as a 16-bit PNG and as the derived DICOM', async () => {
    const { page } = operator;
    const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('try-download-png').click()]);
    assert.match(png.suggestedFilename(), /-sharpxr\.png$/);
    const decoded = PNG.sync.read(readFileSync((await png.path())!), { skipRescale: true });
    assert.deepEqual([decoded.width, decoded.height, decoded.depth], [440, 440, 16]);
    // The PNG made in the browser against the node's output=png: 16-bit samples, the model
    // results 2e-7 apart, so at most one level of 65535 apart.
    const fromNode = await nodePng(readFileSync(FIXTURE_CR), 0.8);
    assert.ok(maxDiff(samples16(decoded), samples16(fromNode)) <= 1, 'the PNG is the node\'s');
    const [dcm] = await Promise.all([page.waitForEvent('download'), page.getByTestId('try-download-dicom').click()]);
    const derived = await decodeInstance(readFileSync((await dcm.path())!));
    const source = await decodeInstance(readFileSync(FIXTURE_CR));
    assert.deepEqual(Array.from(derived.image.pixels), Array.from(await nodeArray(readFileSync(FIXTURE_CR), 0.8, 'stored')), 'the derived DICOM carries the node\'s stored values at the slider\'s strength');
    assert.match(String(derived.parsed.dataset['00080008']?.Value?.[0]), /DERIVED/);
    assert.equal(derived.parsed.dataset['0020000D']?.Value?.[0], source.parsed.dataset['0020000D']?.Value?.[0], 'a new series of the same study');
    assert.deepEqual([derived.image.width, derived.image.bitsStored, derived.image.photometric], [440, 10, 'MONOCHROME1']);
  });

  it('runs on the node when asked, with the same result', async (t) => {
    const { page } = operator;
    const inBrowser = await exposed(page);
    await page.getByTestId('try-engine-server').check();
    await waitForResult(page, { engine: 'server', kind: 'dicom' });
    const onNode = await exposed(page);
    const diff = maxDiff(onNode.result, inBrowser.result);
    t.diagnostic(`node engine: model ${Math.round(onNode.timings.inferMs)} ms vs browser ${Math.round(inBrowser.timings.inferMs)} ms; max diff ${diff.toExponential(2)}`);
    assert.ok(diff <= TOLERANCE);
    assert.match(await page.getByTestId('try-ran').innerText(), /Denoised on the node \(onnxruntime-node, cpu\), as chosen: the file was sent to the node/);
    await snap(page, SHOTS, '07-node-engine');
    await page.getByTestId('try-engine-browser').check();
    await waitForResult(page, { engine: 'browser', kind: 'dicom' });
  });

  it('says what is wrong with a file it cannot take', async () => {
    const { page } = operator;
    await page.getByTestId('try-file').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('these are my notes, not a radiograph') });
    const banner = page.getByRole('alert');
    await banner.getByText('not a PNG, JPEG or DICOM file').waitFor();
    assert.match(await banner.innerText(), /Could not read notes\.txt/);
    assert.equal(await page.getByTestId('compare-view').count(), 0, 'the last file\'s result is not left beside the error');
    const cut = readFileSync(FIXTURE_CR);
    await page.getByTestId('try-file').setInputFiles({ name: 'cut.dcm', mimeType: 'application/dicom', buffer: cut.subarray(0, cut.length - 5000) });
    await banner.getByText(/DICOM: truncated/).waitFor();
    assert.match(await banner.innerText(), /Could not read cut\.dcm/);
    await snap(page, SHOTS, '08-bad-file');
  });

  it('takes a JPEG too (decoded with jpeg-js, as the node does), matching the node within 1e-3', async (t) => {
    const { page } = operator;
    await page.getByTestId('try-file').setInputFiles(JPEG);
    // 20 tiles of ~0.3 s: the bar counts them while the original is already shown.
    await page.getByTestId('try-progress').getByText(/^Denoising in this browser: tile \d+ of 20$/).waitFor();
    assert.equal(await page.getByTestId('compare-view').getAttribute('data-mode'), 'side', 'the original is shown beside the pending result');
    await snap(page, SHOTS, '09-jpeg-progress');
    await waitForResult(page, { engine: 'browser', kind: 'jpeg' });
    const got = await exposed(page);
    const diff = maxDiff(got.result, await nodeResult(readFileSync(JPEG), got.strength));
    t.diagnostic(`JPEG ${got.width}x${got.height}: model ${Math.round(got.timings.inferMs)} ms on ${got.timings.tiles} tiles, max |browser - node| ${diff.toExponential(2)}`);
    assert.ok(diff <= TOLERANCE, `max |browser - node| = ${diff}`);
    await snap(page, SHOTS, '09-jpeg');
  });

  it('falls back to the node when onnxruntime-web fails (a proxy blocks its .wasm), and says why', async () => {
    const blocked = await signIn(browser, node.httpUrl, await createNodeUser(node, 'operator', 'otto'), '/try');
    await blocked.page.context().route(/\.wasm$/, (r) => r.abort('blockedbyclient'));
    await blocked.page.getByTestId('try-file').setInputFiles(FIXTURE_CR);
    await waitForResult(blocked.page, { engine: 'server', kind: 'dicom' });
    const got = await exposed(blocked.page);
    assert.match(got.fallback ?? '', /^onnxruntime-web failed: /);
    assert.ok(maxDiff(got.result, await nodeResult(readFileSync(FIXTURE_CR), got.strength)) <= TOLERANCE);
    assert.match(await blocked.page.getByTestId('try-ran').innerText(), /Denoised on the node \(onnxruntime-node, cpu\): this browser could not run the model\. The file was sent to the node for this, and not stored there\.\s+Why: onnxruntime-web failed: .*\.wasm/s);
    await snap(blocked.page, SHOTS, '11-fallback-wasm-blocked');
    await blocked.page.context().close();
  });

  it('falls back to the node in a browser without WebAssembly (JIT-less Chromium), and says why', async (t) => {
    // As launch() does, plus V8's JIT-less mode (what a policy blocking JavaScript optimisation gives).
    const jitless = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--js-flags=--jitless'] });
    try {
      const { page, errors } = await signIn(jitless, node.httpUrl, await createNodeUser(node, 'operator', 'jill'), '/try');
      assert.equal(await page.evaluate(() => typeof WebAssembly), 'undefined');
      await page.getByText('(cannot run here: the node runs it instead)').waitFor();
      await page.getByTestId('try-file').setInputFiles(PNG16);
      await waitForResult(page, { engine: 'server', kind: 'png' });
      const got = await exposed(page);
      assert.match(got.fallback ?? '', /WebAssembly turned off/);
      const diff = maxDiff(got.result, await nodeResult(readFileSync(PNG16), got.strength));
      t.diagnostic(`JIT-less: ran on the node, max |page - node| ${diff.toExponential(2)}`);
      assert.ok(diff <= TOLERANCE);
      assert.match(await page.getByTestId('try-ran').innerText(), /this browser could not run the model\.[^]*Why: this browser has WebAssembly turned off/);
      await snap(page, SHOTS, '12-fallback-no-webassembly');
      assert.deepEqual(errors, []);
    } finally {
      await jitless.close();
    }
  });

  it('opens the file picker from the keyboard, and keeps the node engine to operators', async () => {
    const { page } = operator;
    // Other pages opened since (the fallback tests) left this one in the background, where a key
    // press may not count as the user activation a file picker needs (CI timed out here once).
    await page.bringToFront();
    await page.getByTestId('try-drop').focus();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'try-drop');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 10_000 }), page.keyboard.press('Enter')]);
    assert.ok(chooser);
    const viewerName = await createNodeUser(node, 'viewer', 'vera');
    const viewer = await signIn(browser, node.httpUrl, viewerName, '/try');
    await viewer.page.getByTestId('try-drop').waitFor();
    assert.equal(await viewer.page.getByTestId('try-engine-server').isDisabled(), true);
    await viewer.page.getByTestId('try-file').setInputFiles(FIXTURE_CR);
    await waitForResult(viewer.page, { engine: 'browser', kind: 'dicom' });
    assert.equal(await viewer.page.getByTestId('try-download-dicom').isDisabled(), true);
    await snap(viewer.page, SHOTS, '10-viewer');
    assert.deepEqual(viewer.errors, []);
    assert.deepEqual(operator.errors, []);
  });
});
