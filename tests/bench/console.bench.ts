// Console benchmark (issue 8), printed, never asserted: the 2000x2128 DX chest film (JPEG 2000
// lossless, 12-bit MONOCHROME1) sent with storescu to a node started here, processed and
// exported to a storescp PACS; then in Debian's Chromium, signed in once (the session cookie is
// given to every context), the job page /jobs/<id> is loaded until both comparison canvases
// have drawn the image (not just their black background):
// - cold: a fresh browser context (empty cache) and the node's decoded-image cache missed (the
//   stored files are touched, as on the first view of a job), median of 3;
// - warm: the same page loaded again (scripts cached; the node has the decoded pixels).
// The breakdown comes from the page: its paint timing (the shell), resource timing (the job's
// JSON and each image's request, first byte and last byte) and the console's own User Timing
// marks (sharpxr:decode/window/draw). Prints human lines and one JSON line
// `{"bench":"console",...}` for run.ts.
import { existsSync, readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { freePort, startStorescp, storescu } from '../helpers/dcmtk.js';
import { loginToNode, type NodeSession } from '../helpers/node-login.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { dcmtkMissing, waitFor } from '../helpers/orthanc.js';
import { ensureConsoleBuilt, screenshotsOf } from '../console/console-browser.js';
import { ROOT, sopInstanceUidOf, tempDir } from '../server/helpers.js';
import { chromiumMissing, launch } from '../viewer/browser.js';

const DX = join(ROOT, '..', 'shared', 'data', 'dicom', 'chest', 'DX_chest_966_fixed_J2KR.dcm');
const RUNS = 3;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One load of the job page, as the page itself timed it (ms from navigation start). */
export interface Load {
  /** Both canvases show the image. */
  readonly renderedMs: number;
  /** The same, measured outside the page from page.goto (includes the navigation request). */
  readonly wallMs: number;
  readonly firstPaintMs: number;
  /** The last script (the app and its lazy job page chunk) fully arrived. */
  readonly scriptsEndMs: number;
  /** GET /api/auth/state: the app asks who is signed in before it routes to the job page. */
  readonly authState: Fetch | undefined;
  readonly jobJson: Fetch | undefined;
  readonly source: Fetch | undefined;
  readonly derived: Fetch | undefined;
  /** The console's User Timing measures (sharpxr:*), summed by name. */
  readonly measures: Record<string, number>;
}

interface Fetch { readonly startMs: number; readonly firstByteMs: number; readonly endMs: number; readonly bytes: number }

/**
 * Runs in the page before its scripts: each animation frame, samples the middle row of both
 * comparison canvases and records when each first shows an image (a black canvas, or one with
 * only a spinner over it, does not count). One row of ~700 pixels costs microseconds.
 */
function watchCanvases(): void {
  const w = window as unknown as { __benchDrawn: Record<string, number> };
  w.__benchDrawn = {};
  const drawn = (c: HTMLCanvasElement): boolean => {
    if (c.width < 16 || c.height < 16) return false;
    const row = c.getContext('2d')!.getImageData(0, c.height >> 1, c.width, 1).data;
    let lit = 0, lo = 255, hi = 0;
    for (let i = 0; i < row.length; i += 4) {
      const v = row[i]!;
      if (v > 8) lit++;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return lit > c.width * 0.3 && hi - lo > 40;
  };
  const tick = (): void => {
    for (const c of document.querySelectorAll<HTMLCanvasElement>('[data-testid="compare-canvas"]')) {
      const side = c.dataset.side ?? '?';
      if (!(side in w.__benchDrawn) && drawn(c)) w.__benchDrawn[side] = performance.now();
    }
    if (!('left' in w.__benchDrawn && 'right' in w.__benchDrawn)) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

async function newContext(browser: Browser, node: NodeProcess, session: NodeSession): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, baseURL: node.httpUrl });
  await context.addCookies([{ name: 'sharpxr_session', value: session.cookie, url: node.httpUrl }]);
  await context.addInitScript(`globalThis.__name ??= (f) => f; (${watchCanvases.toString()})();`);
  return context;
}

async function load(context: BrowserContext, jobId: string, shot?: string): Promise<Load> {
  const page = context.pages()[0] ?? await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const t0 = performance.now();
  await page.goto(`/jobs/${jobId}`);
  await page.waitForFunction(() => {
    const d = (window as unknown as { __benchDrawn?: Record<string, number> }).__benchDrawn;
    return !!d && 'left' in d && 'right' in d;
  }, undefined, { timeout: 120_000, polling: 50 });
  const wallMs = performance.now() - t0;
  if (errors.length) throw new Error(`the job page failed: ${errors.join('; ')}`);
  if (shot) await page.screenshot({ path: shot, fullPage: true });
  const r = await page.evaluate(() => {
    const drawn = (window as unknown as { __benchDrawn: Record<string, number> }).__benchDrawn;
    const paint = performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint');
    const res = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    const fetchOf = (re: RegExp) => {
      const e = res.find((x) => re.test(x.name));
      return e && { startMs: e.startTime, firstByteMs: e.responseStart, endMs: e.responseEnd, bytes: e.encodedBodySize };
    };
    const scripts = res.filter((x) => /\.js(\?|$)/.test(x.name)).map((x) => x.responseEnd);
    const measures: Record<string, number> = {};
    for (const m of performance.getEntriesByType('measure')) if (m.name.startsWith('sharpxr:')) measures[m.name] = (measures[m.name] ?? 0) + m.duration;
    return {
      renderedMs: Math.max(drawn.left!, drawn.right!), firstPaintMs: paint?.startTime ?? NaN, measures,
      scriptsEndMs: scripts.length ? Math.max(...scripts) : NaN, authState: fetchOf(/\/api\/auth\/state/),
      jobJson: fetchOf(/\/api\/jobs\/[^/?]+$/), source: fetchOf(/\/image\?which=source/), derived: fetchOf(/\/image\?which=derived/),
    };
  });
  return { ...r, wallMs };
}

/** The node keeps decoded images keyed by path, size and mtime: touching its stored files makes the next view decode again. */
function touchStoredFiles(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.dcm')) {
      const now = new Date();
      utimesSync(join(e.parentPath, e.name), now, now);
    }
  }
}

async function sendAndWait(node: NodeProcess, session: NodeSession): Promise<string> {
  const sop = sopInstanceUidOf(DX);
  // -xv: proposed as JPEG 2000 lossless, as the modality stored it, so the node keeps it so.
  const sent = await storescu({ host: '127.0.0.1', port: node.dicomPort, aeTitle: 'SHARPXR' }, [DX], { extraArgs: ['-xv'] });
  if (sent.code !== 0) throw new Error(`storescu failed: ${sent.stderr}`);
  return waitFor(async () => {
    const res = await fetch(`${node.httpUrl}/api/jobs?state=exported`, { headers: session.headers });
    const { items } = (await res.json()) as { items: { id: string; sopInstanceUid: string }[] };
    return items.find((j) => j.sopInstanceUid === sop)?.id;
  }, 300_000, 'the DX job to be exported', 500);
}

const ms = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '?' : `${Math.round(v)} ms`);

function describe(label: string, l: Load): string {
  const f = (name: string, x: Fetch | undefined) => x
    ? `${name} ${ms(x.startMs)}→${ms(x.firstByteMs)}→${ms(x.endMs)} (${(x.bytes / 1e6).toFixed(1)} MB)` : `${name} ?`;
  const m = Object.entries(l.measures).map(([k, v]) => `${k.replace('sharpxr:', '')} ${ms(v)}`).join(', ');
  return `  ${label}: rendered at ${ms(l.renderedMs)} (goto→drawn ${ms(l.wallMs)}); shell painted ${ms(l.firstPaintMs)}; ` +
    `scripts in ${ms(l.scriptsEndMs)}; ${f('auth state', l.authState)}; ${f('job JSON', l.jobJson)}; ${f('source', l.source)}; ${f('derived', l.derived)}; in the page: ${m || 'no measures'}`;
}

async function measure(browser: Browser, node: NodeProcess, session: NodeSession, jobId: string, dataDir: string) {
  const cold: Load[] = [];
  const shots = screenshotsOf('bench');
  for (let i = 0; i < RUNS; i++) {
    touchStoredFiles(dataDir);
    const context = await newContext(browser, node, session);
    cold.push(await load(context, jobId, i === 0 ? join(shots, 'console-job-compare-cold.png') : undefined));
    await context.close();
  }
  // Warm: scripts and styles in the browser's cache, the decoded pixels in the node's.
  const context = await newContext(browser, node, session);
  await load(context, jobId);
  const warm: Load[] = [];
  for (let i = 0; i < RUNS; i++) warm.push(await load(context, jobId, i === RUNS - 1 ? join(shots, 'console-job-compare-warm.png') : undefined));
  await context.close();
  return { cold, warm, shots };
}

function report(r: { cold: Load[]; warm: Load[]; shots: string }): void {
  const coldMs = r.cold.map((l) => l.renderedMs);
  const warmMs = r.warm.map((l) => l.renderedMs);
  console.log(`job page /jobs/<id> -> both DX 2000x2128 canvases drawn: cold ${coldMs.map((v) => ms(v)).join(', ')} (median ${ms(median(coldMs))}); ` +
    `warm ${warmMs.map((v) => ms(v)).join(', ')} (median ${ms(median(warmMs))})`);
  console.log('breakdown (ms from navigation start; fetches as request→first byte→last byte):');
  r.cold.forEach((l, i) => console.log(describe(`cold ${i + 1}`, l)));
  r.warm.forEach((l, i) => console.log(describe(`warm ${i + 1}`, l)));
  console.log(`screenshots: ${r.shots}/console-job-compare-{cold,warm}.png`);
  // Tenths of a millisecond: the timers' own resolution in a page is coarser than that.
  const round = (_k: string, v: unknown): unknown => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 10) / 10 : v);
  console.log(JSON.stringify({ bench: 'console', coldMs, warmMs, coldMedianMs: median(coldMs), warmMedianMs: median(warmMs), cold: r.cold, warm: r.warm }, round));
}

async function main(): Promise<void> {
  // || not ??: chromiumMissing() says false (not null) when the browser is there.
  const skipped = dcmtkMissing() || chromiumMissing() || (existsSync(DX) ? false : `${DX} missing (the shared data set ../shared is needed)`);
  if (skipped) {
    console.log(JSON.stringify({ bench: 'console', skipped }));
    return;
  }
  ensureConsoleBuilt();
  const tmp = tempDir('sharpxr-console-bench-');
  const pacs = await startStorescp(join(tmp.dir, 'pacs'), { aeTitle: 'PACS' });
  const node = await startNodeProcess({
    dir: join(tmp.dir, 'node'), dicomPort: await freePort(), httpPort: await freePort(),
    config: { destinations: [{ name: 'pacs', aeTitle: 'PACS', host: '127.0.0.1', port: pacs.port }], log: { level: 'warn' } },
  });
  let browser: Browser | undefined;
  try {
    const session = await loginToNode(node, 'viewer');
    const jobId = await sendAndWait(node, session);
    browser = await launch();
    report(await measure(browser, node, session, jobId, join(tmp.dir, 'node', 'var')));
  } finally {
    await browser?.close();
    await node.stop();
    await pacs.stop();
    tmp.cleanup();
  }
}

await main();
