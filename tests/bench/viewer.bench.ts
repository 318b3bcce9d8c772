// Viewer benchmark (issue 7), printed, never asserted: the 2000x2128 DX chest film through the
// pipeline into Orthanc, then in Debian's Chromium (software WebGL, 2 cores):
// 1. open: from navigating to /viewer/sharpxr-compare?StudyInstanceUIDs=... until both
//    viewports have drawn their image, in a fresh browser context each time (cold cache) and
//    again in the same context (warm: OHIF's scripts cached, the PACS's frames not);
// 2. flicker: the first swap (loads the other image into the layer) and then the swap
//    latency, from the command to the next painted frame, median and worst of 20.
// Prints human lines and one JSON line `{"bench":"viewer",...}` for run.ts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { orthancMissing } from '../helpers/orthanc.js';
import { ROOT } from '../server/helpers.js';
import { chromiumMissing, launch, newViewerPage, ORIGINAL, runCommand, waitForPair } from '../viewer/browser.js';
import { browserSession, compareUrl, roundTrip, startViewerStack, type ViewerStack } from '../viewer/viewer-stack.js';

const DX = join(ROOT, '..', 'shared', 'data', 'dicom', 'chest', 'DX_chest_966_fixed_J2KR.dcm');

async function openMs(page: Page, url: string): Promise<number> {
  const t0 = performance.now();
  await page.goto(url);
  await waitForPair(page, 120_000);
  // Both canvases painted: one more animation frame after the images are in the viewports.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return performance.now() - t0;
}

/** Milliseconds from the flicker command to the frame after it, measured inside the page. */
async function swapMs(page: Page): Promise<number> {
  return page.evaluate(async (id) => {
    const w = window as unknown as { sharpxrViewer: { commandsManager: { runCommand(n: string, o: object): Promise<unknown> } } };
    const t0 = performance.now();
    await w.sharpxrViewer.commandsManager.runCommand('sharpxrFlicker', { viewportId: id });
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    return performance.now() - t0;
  }, ORIGINAL);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(browser: Browser, stack: ViewerStack, url: string) {
  const cold: number[] = [];
  for (let i = 0; i < 3; i++) {
    const { page } = await newViewerPage(browser, browserSession(stack));
    cold.push(await openMs(page, url));
    await page.context().close();
  }
  const { page } = await newViewerPage(browser, browserSession(stack));
  await openMs(page, url);
  const warm = await openMs(page, url);
  const first = await swapMs(page);
  const swaps: number[] = [];
  for (let i = 0; i < 20; i++) swaps.push(await swapMs(page));
  await runCommand(page, 'sharpxrSideBySide', { viewportId: ORIGINAL });
  await page.context().close();
  return { coldMs: cold, warmMs: warm, firstFlickerMs: first, swapMedianMs: median(swaps), swapMaxMs: Math.max(...swaps) };
}

async function main(): Promise<void> {
  const skipped = orthancMissing() || chromiumMissing() || (existsSync(DX) ? false : `${DX} missing`);
  if (skipped) {
    console.log(JSON.stringify({ bench: 'viewer', skipped }));
    return;
  }
  const stack = await startViewerStack();
  let browser: Browser | undefined;
  try {
    const dx = await roundTrip(stack, DX, 180_000);
    browser = await launch();
    const r = await measure(browser, stack, compareUrl(stack, dx.studyInstanceUid));
    const f = (ms: number): string => `${Math.round(ms)} ms`;
    console.log(`open compare URL -> both DX 2000x2128 viewports rendered: cold ${r.coldMs.map(f).join(', ')} (median ${f(median(r.coldMs))}); warm ${f(r.warmMs)}`);
    console.log(`flicker: first swap ${f(r.firstFlickerMs)} (loads the other image into the layer); then median ${r.swapMedianMs.toFixed(1)} ms, worst ${r.swapMaxMs.toFixed(1)} ms over 20 swaps`);
    console.log(JSON.stringify({ bench: 'viewer', ...r, coldMedianMs: median(r.coldMs) }));
  } finally {
    await browser?.close();
    await stack.stop();
  }
}

await main();
