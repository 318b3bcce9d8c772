// The viewer as a radiologist meets it: Debian's Chromium opens the node's /viewer/ on a study
// whose chest radiograph went through the pipeline into Orthanc, and the compare mode is checked
// through OHIF's own services and Cornerstone in the page, and by the pixels it draws.
// Screenshots of every view are kept under out/test-output/viewer/ to be looked at.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { orthancMissing } from '../helpers/orthanc.js';
import { escapeRegExp, FIXTURE_CR, shippedModels } from '../server/helpers.js';
import {
  blendFactor, chromiumMissing, DENOISED, launch, layer, meanAbsDiff, newViewerPage, ORIGINAL, roughness, runCommand,
  screenshotDir, shot, spread, viewport, viewportBox, waitForPair, type Pixels,
} from './browser.js';
import { browserSession, compareUrl, roundTrip, startViewerStack, type RoundTrip, type ViewerStack } from './viewer-stack.js';

const skip = orthancMissing() ?? chromiumMissing();
/** The node runs the shipped default model. */
const SHIPPED = await shippedModels();
/** Sets a window a twentieth as wide as the current one, centred on the mean of the image's central
 * part (the sync group copies it to the other side). */
async function narrowWindow(page: Page, viewportId: string): Promise<void> {
  await page.evaluate((id) => {
    const cs = (window as unknown as { cornerstone: any }).cornerstone;
    const vp = cs.getRenderingEngine('OHIFCornerstoneRenderingEngine').getViewport(id);
    const image = cs.cache.getImage(vp.getCurrentImageId());
    const data = image.getPixelData() as ArrayLike<number>;
    const [rows, cols] = [image.rows as number, image.columns as number];
    let sum = 0;
    let n = 0;
    for (let y = Math.floor(rows * 0.4); y < rows * 0.6; y++) {
      for (let x = Math.floor(cols * 0.4); x < cols * 0.6; x++) { sum += data[y * cols + x]!; n++; }
    }
    const { lower, upper } = vp.getProperties().voiRange;
    const mean = sum / n;
    const c = image.preScale?.scaled ? mean : mean * (image.slope ?? 1) + (image.intercept ?? 0);
    const w = (upper - lower) / 20;
    vp.setProperties({ voiRange: { lower: c - w / 2, upper: c + w / 2 } });
    vp.render();
  }, viewportId);
  await page.waitForTimeout(700);
}

const near = (a: number, b: number, rel = 0.01): boolean => Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b));

describe('the sharpxr-compare viewer in Chromium, against the node and Orthanc', { skip, timeout: 600_000 }, () => {
  const shots = screenshotDir('viewer');
  let stack: ViewerStack;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let cr: RoundTrip;
  const settle = (ms = 700): Promise<void> => page.waitForTimeout(ms);
  const snap = (name: string, id = ORIGINAL): Promise<Pixels> => shot(page, id, join(shots, `${name}.png`));

  before(async () => {
    stack = await startViewerStack();
    cr = await roundTrip(stack, FIXTURE_CR);
    browser = await launch();
    ({ page, errors } = await newViewerPage(browser, browserSession(stack)));
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('opens the pair at once: original left, its derived series right', async () => {
    await page.goto(compareUrl(stack, cr.studyInstanceUid));
    await waitForPair(page);
    const [left, right] = [await viewport(page, ORIGINAL), await viewport(page, DENOISED)];
    assert.equal(left.seriesInstanceUid, cr.sourceSeriesUid);
    assert.equal(right.seriesInstanceUid, cr.derivedSeriesUid);
    // Both through the node's own origin, never the PACS directly.
    assert.ok(left.imageId?.includes(`${stack.node.httpUrl}/dicom-web/`), left.imageId);
    await settle(1500);
    await page.screenshot({ path: join(shots, 'side-by-side.png') });
    const panel = await page.textContent('[data-sharpxr="panel"]');
    assert.match(panel ?? '', new RegExp(escapeRegExp(SHIPPED.default.name)));
    assert.match(panel ?? '', /NOT FOR DIAGNOSTIC USE/i);
    assert.match(panel ?? '', /Pixels at the bound\s*\d+(\.\d+)?\s*%/, 'the guard figures are read from the object');
    assert.deepEqual(errors, []);
  });

  it('mirrors a window/level drag and a zoom on the other side', async () => {
    const box = await viewportBox(page, ORIGINAL);
    const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
    const before = await viewport(page, DENOISED);
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    await page.mouse.move(cx + 60, cy + 40, { steps: 8 });
    await page.mouse.up();
    await page.mouse.down({ button: 'right' }); // OHIF's basic mode: right drag zooms
    await page.mouse.move(cx + 60, cy + 100, { steps: 10 });
    await page.mouse.up({ button: 'right' });
    await settle();
    const [left, right] = [await viewport(page, ORIGINAL), await viewport(page, DENOISED)];
    assert.notDeepEqual(right.voi, before.voi, 'the window changed');
    assert.deepEqual(right.voi, left.voi);
    assert.ok(right.parallelScale < before.parallelScale * 0.9, `zoomed in: ${before.parallelScale} -> ${right.parallelScale}`);
    assert.ok(near(right.parallelScale, left.parallelScale), `${left.parallelScale} vs ${right.parallelScale}`);
  });

  let O: Pixels;
  let F: Pixels;
  it('flickers with one key, keeping camera and window, and back exactly', async () => {
    O = await snap('original');
    const host = await viewport(page, ORIGINAL);
    await page.keyboard.press('f');
    await settle();
    const shown = await layer(page, ORIGINAL);
    assert.equal(shown.visible, true);
    assert.equal(shown.seriesInstanceUid, cr.derivedSeriesUid);
    assert.deepEqual(shown.voi, host.voi);
    assert.equal(shown.parallelScale, host.parallelScale);
    assert.deepEqual(shown.focalPoint, host.focalPoint);
    F = await snap('flicker-denoised');
    // The denoised image is smoother where the original is noisy: its neighbour differences drop.
    assert.ok(roughness(F) < roughness(O), `roughness ${roughness(O)} -> ${roughness(F)}`);
    await page.keyboard.press('f');
    await settle();
    assert.equal((await layer(page, ORIGINAL)).visible, false);
    assert.equal(meanAbsDiff(await snap('flicker-back'), O), 0);
  });

  it('blinks at the rate asked for', async () => {
    await runCommand(page, 'sharpxrBlink', { viewportId: ORIGINAL, hz: 4 });
    const seen = await page.evaluate(async () => {
      const el = document.querySelector<HTMLElement>('[data-sharpxr-layer="sharpxr-original"]')!;
      const states: string[] = [];
      const t0 = performance.now();
      while (performance.now() - t0 < 2000) {
        states.push(getComputedStyle(el).visibility);
        await new Promise((r) => setTimeout(r, 25));
      }
      return states.filter((s, i) => i > 0 && s !== states[i - 1]).length;
    });
    await runCommand(page, 'sharpxrSideBySide', { viewportId: ORIGINAL });
    // The rate is in swaps per second (the panel shows "4 /s"): about 8 in 2 s.
    assert.ok(seen >= 6 && seen <= 10, `${seen} swaps in 2 s`);
  });

  it('swipes: original left of the divider, denoised right of it', async () => {
    await runCommand(page, 'sharpxrSwipe', { viewportId: ORIGINAL, fraction: 0.5 });
    await settle();
    await page.screenshot({ path: join(shots, 'swipe.png') });
    const S = await snap('swipe-centre');
    const half = Math.floor(S.width / 2);
    const left: [number, number] = [0, half - 16]; // the divider and its handle are at the centre
    const right: [number, number] = [half + 16, S.width];
    assert.equal(meanAbsDiff(S, O, left), 0);
    assert.equal(meanAbsDiff(S, F, right), 0);
    assert.ok(meanAbsDiff(S, F, left) > 0 && meanAbsDiff(S, O, right) > 0);
    // The reader drags the handle to a quarter of the width.
    const box = await viewportBox(page, ORIGINAL);
    const handle = page.locator('[data-sharpxr-layer="sharpxr-original"] ~ .sharpxr-swipe-divider, .sharpxr-swipe-divider').first();
    const h = (await handle.boundingBox())!;
    await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.25, h.y + h.height / 2, { steps: 8 });
    await page.mouse.up();
    const state = await page.evaluate(() => (window as unknown as { sharpxrViewer: any }).sharpxrViewer.session.views.state('sharpxr-original'));
    assert.ok(Math.abs(state.swipe - 0.25) < 0.03, `divider at ${state.swipe}`);
    const clip = await page.evaluate(() => document.querySelector<HTMLElement>('[data-sharpxr-layer="sharpxr-original"]')!.style.clipPath);
    assert.match(clip, /inset\(0(px)? 0(px)? 0(px)? 2[4-6](\.\d+)?%\)/, clip);
  });

  it('overlays the denoised image on the original with the opacity asked for', async () => {
    // A narrow window magnifies the small differences between the two, so that 8-bit rounding
    // of the blend does not hide them; the denoised side follows the window.
    await runCommand(page, 'sharpxrOverlay', { viewportId: ORIGINAL, opacity: 0.5, toggle: false });
    await settle();
    await page.screenshot({ path: join(shots, 'overlay.png') });
    await runCommand(page, 'sharpxrSideBySide', { viewportId: ORIGINAL });
    await narrowWindow(page, ORIGINAL);
    const o = await snap('overlay-reference-original');
    await runCommand(page, 'sharpxrFlicker', { viewportId: ORIGINAL });
    await settle();
    const f = await snap('overlay-reference-denoised');
    await runCommand(page, 'sharpxrSideBySide', { viewportId: ORIGINAL });
    for (const opacity of [0.25, 0.5, 0.75]) {
      await runCommand(page, 'sharpxrOverlay', { viewportId: ORIGINAL, opacity, toggle: false });
      await settle();
      const blend = blendFactor(await snap(`overlay-${opacity}`), o, f);
      assert.ok(blend.count >= 300, `pixels where the two differ clearly: ${blend.count}`);
      assert.ok(Math.abs(blend.t - opacity) < 0.08, `opacity ${opacity}: measured blend ${blend.t.toFixed(3)} over ${blend.count} pixels`);
      assert.ok(blend.within > 0.97, `opacity ${opacity}: ${(100 * blend.within).toFixed(1)} % of pixels between the two`);
    }
    await page.screenshot({ path: join(shots, 'overlay-narrow-window.png') });
  });

  it('shows the difference map: flat for the original against itself, structured against the denoised one', async () => {
    await runCommand(page, 'sharpxrDifference', { viewportId: ORIGINAL, minuend: 'original', subtrahend: 'original', toggle: false });
    await settle(1500);
    const self = await snap('difference-self');
    await runCommand(page, 'sharpxrDifference', { viewportId: ORIGINAL, toggle: false });
    await settle(1500);
    await page.screenshot({ path: join(shots, 'difference.png') });
    const diff = await snap('difference-centre');
    assert.ok(spread(self) < 2, `self difference spread ${spread(self)}`);
    assert.ok(spread(diff) > 8, `difference spread ${spread(diff)}`);
    const shown = await layer(page, ORIGINAL);
    assert.match(shown.imageId ?? '', /^sharpxr-difference:/);
    assert.equal(shown.voi && shown.voi.lower, -(shown.voi?.upper ?? NaN), 'a symmetric window around 0');
    await runCommand(page, 'sharpxrSideBySide', { viewportId: ORIGINAL });
  });

  it('stores a reader verdict that the API returns', async () => {
    await page.fill('[data-sharpxr="feedback-reason"]', 'edges look fine');
    await page.click('[data-sharpxr="feedback-accept"]');
    await page.waitForFunction(() => /^Recorded/.test(document.querySelector('[data-sharpxr="feedback-status"]')?.textContent ?? ''), null, { timeout: 10_000 });
    const r = await fetch(`${stack.node.httpUrl}/api/feedback?model=${encodeURIComponent(SHIPPED.default.name)}`, { headers: stack.session.headers });
    const body = (await r.json()) as { items: { seriesInstanceUid: string; verdict: string; reason: string | null; modelVersion: string }[]; summary: { accept: number } };
    const item = body.items.find((i) => i.seriesInstanceUid === cr.derivedSeriesUid);
    assert.ok(item, JSON.stringify(body));
    assert.equal(item.verdict, 'accept');
    assert.equal(item.reason, 'edges look fine');
    assert.equal(item.modelVersion, SHIPPED.default.version);
    assert.equal(body.summary.accept, 1);
  });

  it('says plainly when a study has no denoised series', async () => {
    await stack.orthanc.rest(`/series/${cr.derivedOrthancSeriesId}`, { method: 'DELETE' });
    await page.goto(compareUrl(stack, cr.studyInstanceUid));
    await page.waitForSelector('[data-sharpxr="no-pair"]', { timeout: 60_000 });
    assert.match((await page.textContent('[data-sharpxr="no-pair"]')) ?? '', /no SharpXR denoised series/);
    await page.screenshot({ path: join(shots, 'no-derived.png') });
  });

  it('shows an error when the PACS is down, and the node keeps running', async () => {
    await stack.orthanc.stop();
    await page.goto(compareUrl(stack, cr.studyInstanceUid));
    await page.waitForSelector('[data-sharpxr="pacs-error"]', { timeout: 60_000 });
    assert.match((await page.textContent('[data-sharpxr="pacs-error"]')) ?? '', /PACS is not answering/);
    await page.screenshot({ path: join(shots, 'pacs-down.png') });
    const health = await stack.node.health();
    assert.equal(health.status, 'ok');
  });
});
