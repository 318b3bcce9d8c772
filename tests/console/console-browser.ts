// What the console's browser tests share: the built console (built here when its sources are
// newer than the build, so a test never runs yesterday's pages), a page signed in through the
// login form like a person, and full-page screenshots kept for a person to look at.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { NODE_TEST_PASSWORD } from '../helpers/node-login.js';
import { ROOT } from '../server/helpers.js';

const CONSOLE = join(ROOT, 'server', 'console');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds server/console/dist when it is missing or older than its sources. */
export function ensureConsoleBuilt(): void {
  const index = join(CONSOLE, 'dist', 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtime(join(CONSOLE, 'src'))) return;
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd: CONSOLE, stdio: 'inherit' });
  } catch (err) {
    // Another page being edited may not build this minute; an existing build still tests ours.
    if (!existsSync(index)) throw err;
    console.warn(`console build failed, testing the previous build: ${(err as Error).message}`);
  }
}

export function screenshotsOf(room: string): string {
  const dir = join(ROOT, 'out', 'screenshots', room);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface ConsolePage {
  readonly page: Page;
  /** Uncaught errors of the page (a test fails on any). */
  readonly errors: string[];
}

/** A fresh browser context signed in as `username` through the login page. */
export async function signIn(browser: Browser, baseUrl: string, username: string, next = '/'): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: baseUrl });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !/Failed to load resource/.test(m.text()) && errors.push(m.text()));
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(NODE_TEST_PASSWORD);
  await page.getByLabel('Password').press('Enter');
  await page.locator('nav.sidebar').waitFor();
  return { page, errors };
}

/** Full-page screenshot under out/screenshots/<room>/<name>.png. */
export async function snap(page: Page, dir: string, name: string): Promise<void> {
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
