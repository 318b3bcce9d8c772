// Debian's Chromium driven by playwright-core (which never downloads a browser), and what the
// viewer tests read from the page: OHIF's viewports through Cornerstone, and screenshots of a
// viewport decoded to pixels for value checks.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from '../server/helpers.js';

export const CHROMIUM = process.env.SHARPXR_CHROMIUM ?? '/usr/bin/chromium';
export const ORIGINAL = 'sharpxr-original';
export const DENOISED = 'sharpxr-denoised';
const ENGINE = 'OHIFCornerstoneRenderingEngine';

/** Why the browser tests cannot run here, or false. */
export function chromiumMissing(): string | false {
  return existsSync(CHROMIUM) ? false : `Chromium not installed (${CHROMIUM}; apt-get install chromium, or set SHARPXR_CHROMIUM)`;
}

/** Screenshots go here (kept after the run, for a person to look at). */
export function screenshotDir(name: string): string {
  const dir = join(process.env.SHARPXR_TEST_OUTPUT ?? join(ROOT, 'out', 'test-output'), name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function launch(): Promise<Browser> {
  // --disable-gpu keeps software WebGL (SwiftShader), which Cornerstone needs; no sandbox as root.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/**
 * A page with OHIF's first-visit tour hidden and the page's errors collected, logged in with
 * `session` (the viewer is behind the node's login).
 */
export async function newViewerPage(browser: Browser, session?: { url: string; cookie: string }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  if (session) await page.context().addCookies([{ name: 'sharpxr_session', value: session.cookie, url: session.url }]);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(() => localStorage.setItem('showTour', 'false'));
  return { page, errors };
}

export interface ViewportInfo {
  readonly imageId: string | undefined;
  readonly seriesInstanceUid: string | undefined;
  readonly voi: { lower: number; upper: number } | undefined;
  readonly parallelScale: number;
  readonly focalPoint: number[];
}

/** Waits until both compare viewports have drawn an image. */
export async function waitForPair(page: Page, timeoutMs = 60_000): Promise<void> {
  await page.waitForFunction(([engineId, ids]) => {
    const w = window as unknown as { cornerstone?: any; sharpxrViewer?: unknown };
    const engine = w.cornerstone?.getRenderingEngine(engineId);
    if (!w.sharpxrViewer || !engine) return false;
    return ids.every((id: string) => {
      const vp = engine.getViewport(id);
      return vp && vp.getCurrentImageId?.() && vp.getImageData?.() && vp.getProperties?.().voiRange;
    });
  }, [ENGINE, [ORIGINAL, DENOISED]] as const, { timeout: timeoutMs, polling: 100 });
}

export async function viewport(page: Page, viewportId: string): Promise<ViewportInfo> {
  return page.evaluate(([engineId, id]) => {
    const cs = (window as unknown as { cornerstone: any }).cornerstone;
    const vp = cs.getRenderingEngine(engineId).getViewport(id);
    const imageId = vp.getCurrentImageId();
    const camera = vp.getCamera();
    return {
      imageId,
      seriesInstanceUid: imageId ? cs.metaData.get('generalSeriesModule', imageId)?.seriesInstanceUID : undefined,
      voi: vp.getProperties().voiRange,
      parallelScale: camera.parallelScale,
      focalPoint: Array.from(camera.focalPoint as number[]),
    };
  }, [ENGINE, viewportId] as const);
}

/** The compare layer's viewport (flicker, swipe, overlay, difference draw there). */
export async function layer(page: Page, hostId: string): Promise<ViewportInfo & { visible: boolean }> {
  const info = await viewport(page, `${hostId}-sharpxr-layer`);
  const visible = await page.evaluate((id) => {
    const el = document.querySelector<HTMLElement>(`[data-sharpxr-layer="${id}"]`);
    return !!el && getComputedStyle(el).visibility === 'visible';
  }, hostId);
  return { ...info, visible };
}

export async function runCommand(page: Page, name: string, options: Record<string, unknown> = {}): Promise<unknown> {
  return page.evaluate(([n, o]) => (window as unknown as { sharpxrViewer: any }).sharpxrViewer.commandsManager.runCommand(n, o), [name, options] as const);
}

/** Box of a viewport's element in page pixels. */
export async function viewportBox(page: Page, viewportId: string): Promise<{ x: number; y: number; width: number; height: number }> {
  return page.evaluate(([engineId, id]) => {
    const el = (window as unknown as { cornerstone: any }).cornerstone.getRenderingEngine(engineId).getViewport(id).element as HTMLElement;
    const r = el.getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height };
  }, [ENGINE, viewportId] as const);
}

export interface Pixels {
  readonly width: number;
  readonly height: number;
  /** RGBA. */
  readonly data: Uint8Array;
}

/** Screenshot of the central part of a viewport (inside the image, away from overlay text);
 * a fixed size, so shots of the two viewports (a pixel apart in width) compare pixel for pixel. */
export async function shot(page: Page, viewportId: string, file: string, size = { width: 200, height: 300 }): Promise<Pixels> {
  const box = await viewportBox(page, viewportId);
  const w = Math.min(size.width, Math.floor(box.width));
  const h = Math.min(size.height, Math.floor(box.height));
  const clip = { x: Math.round(box.x + (box.width - w) / 2), y: Math.round(box.y + (box.height - h) / 2), width: w, height: h };
  const png = PNG.sync.read(await page.screenshot({ clip, path: file }));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
}

/** Mean absolute difference of two same-size screenshots, over RGB, in 0..255. */
export function meanAbsDiff(a: Pixels, b: Pixels, columns?: [number, number]): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error('screenshots differ in size');
  const [c0, c1] = columns ?? [0, a.width];
  let sum = 0;
  let n = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = c0; x < c1; x++) {
      const i = (y * a.width + x) * 4;
      for (let c = 0; c < 3; c++) sum += Math.abs(a.data[i + c]! - b.data[i + c]!);
      n += 3;
    }
  }
  return sum / n;
}

/** Standard deviation of the pixels' RGB values: ~0 for a flat image. */
export function spread(p: Pixels): number {
  let sum = 0;
  let sq = 0;
  let n = 0;
  for (let i = 0; i < p.data.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      const v = p.data[i + c]!;
      sum += v;
      sq += v * v;
      n++;
    }
  }
  const mean = sum / n;
  return Math.sqrt(Math.max(0, sq / n - mean * mean));
}

/**
 * How much of `b` is blended over `a` in `mixed`: the least-squares t of mixed − a = t·(b − a), over
 * the pixels (red channel) where a and b differ by at least `minDiff` levels and neither is
 * clipped, where 8-bit rounding of the blend cannot hide it. `within`: the fraction of those
 * pixels whose value lies between a's and b's (±1 level).
 */
export function blendFactor(mixed: Pixels, a: Pixels, b: Pixels, minDiff = 6): { t: number; count: number; within: number } {
  let num = 0;
  let den = 0;
  let count = 0;
  let inside = 0;
  for (let i = 0; i < mixed.data.length; i += 4) {
    const [m, x, y] = [mixed.data[i]!, a.data[i]!, b.data[i]!];
    const d = y - x;
    if (Math.abs(d) < minDiff || Math.min(x, y) < 8 || Math.max(x, y) > 247) continue;
    num += (m - x) * d;
    den += d * d;
    count++;
    if (m >= Math.min(x, y) - 1 && m <= Math.max(x, y) + 1) inside++;
  }
  return { t: den ? num / den : NaN, count, within: count ? inside / count : 0 };
}

/** Mean absolute difference between horizontal neighbours over columns [c0, c1): image noise
 * shows here, so the denoised image scores lower than the original under the same camera. */
export function roughness(p: Pixels, columns?: [number, number]): number {
  const [c0, c1] = columns ?? [0, p.width];
  let sum = 0;
  let n = 0;
  for (let y = 0; y < p.height; y++) {
    for (let x = c0; x < c1 - 1; x++) {
      const i = (y * p.width + x) * 4;
      sum += Math.abs(p.data[i]! - p.data[i + 4]!);
      n++;
    }
  }
  return n ? sum / n : 0;
}
