// The Training pages in Debian's Chromium against a running node (`sharpxr start` as a child),
// driven through the page: log in on the login page; the start form checks the dataset folder as
// it is typed and shows the node's validation errors under their fields; a tiny run (both stages)
// is started from the form (Enter in a field), followed live on its page to the evaluation
// report, and registered as a model, which the Models page then lists as a candidate. A longer
// run is watched while it trains (curves, sample refreshed, ETA) with another run queued behind
// it, stopped from its page (interrupted, checkpoint kept), resumed, and finishes. A run whose
// trainer fails says why on its page and resumes once mended; a queued run is cancelled from its
// page and never starts. A viewer sees the runs but no start form and no actions. Screenshots: out/screenshots/training/.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { freePort } from '../helpers/dcmtk.js';
import { createNodeUser, loginToNode, NODE_TEST_PASSWORD, type NodeSession } from '../helpers/node-login.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { waitFor } from '../helpers/orthanc.js';
import { tempDir } from '../server/helpers.js';
import { TINY, tinyDataset } from '../server/training-fixture.js';
import { chromiumMissing, launch } from '../viewer/browser.js';
import { ensureConsoleBuilt, screenshotsOf, signIn, snap } from './console-browser.js';

const skip = chromiumMissing();

/** The tiny run's hyperparameters as typed into the form (label → value). */
const FORM_HYPER: [string, string][] = [
  ['Stage-1 steps', '12'], ['GAN steps', '6'], ['Batch size', '2'], ['Patch size (px)', '30'], ['Perceptual (VGG) weight', '0'],
  ['U-Net widths', '8, 16, 32'], ['Validate every (steps)', '4'], ['Validation images', '1'], ['Validation crop (px)', '64'],
  ['Log every (steps)', '1'], ['Checkpoint every (steps)', '6'],
];

/** Long enough to watch, stop half way and resume (about 6 s of steps on an idle 2-core machine). */
const WATCHED = { ...TINY, totalSteps: 400, valEvery: 40, ckptEvery: 40, logEvery: 2 };

/** Queued behind it: long enough to be seen running in the list (a few seconds). */
const NEXT_UP = { ...TINY, totalSteps: 150, valEvery: 75, ckptEvery: 75 };

interface Seen { state?: string; progress: number; curves: number }

describe('Training pages (browser, running node)', { skip }, () => {
  const tmp = tempDir('sharpxr-console-training-');
  const shots = screenshotsOf('training');
  let node: NodeProcess;
  let browser: Browser;
  let page: Page;
  let api: NodeSession;
  let dataset: string;
  const errors: string[] = [];
  const shot = (name: string) => snap(page, shots, name);
  const post = (path: string, body: unknown) =>
    fetch(`${node.httpUrl}${path}`, { method: 'POST', headers: { ...api.headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  /** Starts a stage-1 run over the API; its id. */
  const startRun = async (name: string, hyper: object, folder = dataset): Promise<string> => {
    const res = await post('/api/training/runs', { dataset: folder, name, stages: 'stage1', hyper });
    assert.equal(res.status, 201, await res.clone().text());
    return ((await res.json()) as { id: string }).id;
  };
  const runState = (state: string, timeout = 120_000) => page.locator(`.run-page[data-state=${state}]`).waitFor({ timeout });

  before(async () => {
    ensureConsoleBuilt();
    dataset = await tinyDataset(join(tmp.dir, 'radiographs'));
    node = await startNodeProcess({ dir: join(tmp.dir, 'node'), dicomPort: await freePort(), httpPort: await freePort(), config: { model: { tile: 256, overlap: 32 } } });
    api = await loginToNode(node, 'operator');
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && !/status of 4\d\d|Failed to load resource/.test(m.text()) && errors.push(m.text()));
  });
  after(async () => {
    await browser?.close();
    await node?.stop();
    tmp.cleanup();
  });

  it('logs in and shows the empty training page with the start form', async () => {
    const operator = await createNodeUser(node, 'operator');
    await page.goto(`${node.httpUrl}/training`);
    await page.waitForURL(/\/login\?next=%2Ftraining/);
    await page.fill('input[name=username]', operator);
    await page.fill('input[name=password]', NODE_TEST_PASSWORD);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Training', level: 1 }).waitFor();
    await page.getByText('No training runs yet').waitFor();
    await page.getByRole('form', { name: 'Start a training run' }).waitFor();
    await shot('01-empty');
  });

  it('checks the dataset folder as it is typed and shows the node\'s errors under their fields', async () => {
    const folder = page.getByLabel('Dataset folder on the server');
    await folder.fill(join(tmp.dir, 'nothing-here'));
    await page.getByText(/does not exist on the server/).waitFor();
    await folder.fill(dataset);
    await page.getByText('✓ a flat folder: 4 images to train on, 1 held out for validation').waitFor();
    await page.getByLabel('Run name').fill('browser-run');
    await page.getByLabel('Noise model').selectOption('gaussian');
    await page.getByLabel('σ from (0–255 scale)').fill('5');
    await page.getByLabel('σ to').fill('40');
    await page.locator('details.hyper summary').click();
    for (const [label, value] of FORM_HYPER) await page.getByLabel(label, { exact: true }).fill(value);
    await page.getByLabel('Validate every (steps)').fill('x');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.locator('.field-error', { hasText: '"x" is not a number' }).waitFor();
    await page.getByLabel('Validate every (steps)').fill('4');
    await page.getByRole('button', { name: 'Start run' }).click();
    // 30 px passes the form's own number check; the node refuses it and names the field.
    const patch = page.locator('.field-error', { has: page.getByLabel('Patch size (px)') });
    await patch.getByText('must be a multiple of 8').waitFor();
    assert.match(page.url(), /\/training$/, 'nothing started');
    await shot('02-form-errors');
  });

  it('starts the tiny run from the form and follows it live to its evaluation', async () => {
    await page.getByLabel('Patch size (px)').fill('32');
    // What the run page showed over time, sampled in the page (the SPA keeps window across routes).
    await page.evaluate(() => {
      const w = window as unknown as { seen: Seen[] };
      w.seen = [];
      setInterval(() => w.seen.push({
        state: document.querySelector<HTMLElement>('.run-page')?.dataset.state,
        progress: Number(document.querySelector('[aria-label="run progress"]')?.getAttribute('aria-valuenow') ?? -1),
        curves: document.querySelectorAll('.run-charts polyline, .run-charts circle').length,
      }), 50);
    });
    const started = Date.now();
    await page.getByLabel('Run name').press('Enter'); // the form submits from the keyboard
    await page.waitForURL(/\/training\/[^/]+$/);
    await page.getByRole('heading', { name: 'browser-run', level: 1 }).waitFor();
    await page.locator('.live-on').waitFor({ timeout: 30_000 });
    await runState('done');
    console.log(`tiny run (12 + 6 steps, evaluation) from the form to done: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const seen = await page.evaluate(() => (window as unknown as { seen: Seen[] }).seen);
    assert.ok(seen.some((s) => s.state === 'running' && s.progress > 0 && s.progress < 100 && s.curves > 0), 'progress and curves shown while it ran');
    const table = await page.getByTestId('eval-table').innerText();
    for (const text of ['Noisy input', 'Non-local means', 'Stage 1', 'GAN', 'Gaussian σ=25']) assert.ok(table.includes(text), `${text} in the table`);
    await page.getByTestId('eval-grid').evaluate((img: HTMLImageElement) => img.complete || new Promise((r) => img.addEventListener('load', r)));
    assert.ok(await page.getByTestId('eval-grid').evaluate((img: HTMLImageElement) => img.naturalWidth > 100 && img.width >= img.naturalWidth));
    assert.ok(await page.getByTestId('sample-image').evaluate((img: HTMLImageElement) => img.naturalWidth === 3 * 64 + 8));
    assert.match(await page.locator('.stage-list').innerText(), /stage 1\s+step 12 of 12[\s\S]*GAN\s+step 6 of 6[\s\S]*evaluation\s+1 image,/);
    assert.equal(await page.getByRole('progressbar', { name: 'run progress' }).getAttribute('aria-valuenow'), '100');
    assert.ok(await page.locator('.run-charts svg polyline').count() >= 4, 'G, D, PSNR and SSIM curves drawn');
    await shot('03-run-done');
  });

  it('registers the run as a model; the Models page lists it as a candidate', async () => {
    await page.getByRole('button', { name: 'Register as model' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByLabel('Version').fill('0.9.0');
    await dialog.getByRole('button', { name: 'Export and register' }).click();
    await dialog.getByText(/sharpxr-browser-run 0\.9\.0 passed the registry's checks/).waitFor({ timeout: 60_000 });
    await shot('04-registered');
    await dialog.getByRole('button', { name: 'Open on the Models page' }).click();
    await page.waitForURL(/\/models\?model=/);
    const row = page.locator('[data-testid=registry-table] tr[data-model="sharpxr-browser-run@0.9.0"]');
    await row.waitFor();
    assert.equal(await row.getAttribute('data-status'), 'registered');
    // The drawer has the run's evaluation beside the active model's, and what it trained on.
    const drawer = page.getByTestId('model-drawer');
    await drawer.getByTestId('model-metrics').waitFor();
    assert.ok((await drawer.innerText()).includes(`${dataset}: a flat folder`), 'training data is this run\'s folder');
    await shot('05-models-page');
  });

  let watchedId: string;

  it('watches a longer run with one queued behind it, stops it and resumes it', async () => {
    watchedId = await startRun('watched', WATCHED);
    await startRun('next-up', NEXT_UP);
    await page.goto(`${node.httpUrl}/training/${watchedId}`);
    await runState('running');
    const sampleStep = async () => Number((await page.locator('.sample-card .card-head').innerText()).match(/step (\d+)/)?.[1] ?? -1);
    await waitFor(async () => (await sampleStep()) > 0, 60_000, 'a first sample', 50);
    const first = await sampleStep();
    await waitFor(async () => (await sampleStep()) > first, 60_000, 'the sample refreshed as it trains', 50);
    assert.match(await page.getByTestId('eta').innerText(), /^ETA \d+ (s|min)/);
    assert.ok(await page.locator('.run-charts polyline').count() >= 3, 'the loss curve and the validation curves');
    await shot('06-run-running');

    await page.getByRole('button', { name: 'Stop run' }).click();
    await page.locator('dialog[open]').getByRole('button', { name: 'Stop run' }).click();
    await runState('interrupted', 30_000);
    const notice = await page.getByText(/It was stopped while training, at step \d+/).innerText();
    const stoppedAt = Number(notice.match(/step (\d+)/)![1]);
    assert.ok(stoppedAt > first && stoppedAt < WATCHED.totalSteps, `stopped at ${stoppedAt}`);
    await shot('07-run-interrupted');

    // The queued run starts once this one stopped, so the resumed one waits behind it.
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByText('Waiting for the run in progress to end').waitFor();
    await page.goto(`${node.httpUrl}/training`);
    await page.locator('tr[data-run=watched][data-state=queued]', { hasText: 'next in queue' }).waitFor();
    await page.locator('tr[data-run=next-up][data-state=running]').waitFor();
    await page.locator('tr[data-run=browser-run][data-state=done]', { hasText: 'finished' }).waitFor();
    await page.getByRole('form', { name: 'Start a training run' }).waitFor();
    await shot('08-runs-list');

    await page.locator('tr[data-run=watched]').getByRole('link', { name: 'watched' }).click();
    await runState('done');
    assert.match(await page.locator('.stage-list').innerText(), /stage 1\s+step 400 of 400/);
    const run = (await (await fetch(`${node.httpUrl}/api/training/runs/${watchedId}`, { headers: api.headers })).json()) as { losses: { step: number }[] };
    const steps = run.losses.map((l) => l.step);
    assert.deepEqual(steps, [...new Set(steps)].sort((a, b) => a - b), 'the resumed stage continues the curve, no step twice');
    assert.equal(steps.at(-1), WATCHED.totalSteps);
    await shot('09-resumed-done');
  });

  it('says why a run failed (the trainer\'s words, naming the file) and resumes it once mended', async () => {
    const broken = await tinyDataset(join(tmp.dir, 'broken'), 3);
    writeFileSync(join(broken, 'crop-9.png'), 'not a PNG at all');
    const id = await startRun('bad-folder', TINY, broken);
    await page.goto(`${node.httpUrl}/training/${id}`);
    await runState('failed');
    const banner = page.getByRole('alert');
    await banner.getByText('The run failed').waitFor();
    assert.match(await banner.innerText(), /cannot read image '[^']*crop-9\.png'/);
    assert.equal(await page.locator('.run-charts').count(), 0, 'it failed before its first step: no empty charts');
    await shot('10-run-failed');

    rmSync(join(broken, 'crop-9.png'));
    await page.getByRole('button', { name: 'Resume' }).click();
    await runState('done');
    assert.equal(await page.getByText('The run failed').count(), 0);
  });

  it('cancels a queued run from its page', async () => {
    await startRun('ahead', NEXT_UP);
    const queuedId = await startRun('not-wanted', TINY);
    await page.goto(`${node.httpUrl}/training/${queuedId}`);
    await runState('queued');
    await page.getByRole('button', { name: 'Cancel run' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByText('Cancel not-wanted for good?').waitFor();
    await dialog.getByRole('button', { name: 'Cancel run' }).click();
    await runState('cancelled', 10_000);
    await page.getByText('Cancelled before it trained: it will not run again.').waitFor();
    assert.equal(await page.locator('.run-charts').count(), 0, 'no empty charts for a run that never trained');
    for (const name of ['Resume', 'Cancel run', 'Stop run']) assert.equal(await page.getByRole('button', { name }).count(), 0, name);
    await shot('11-run-cancelled');
    await page.goto(`${node.httpUrl}/training`);
    await page.locator('tr[data-run=not-wanted][data-state=cancelled]').waitFor();
    await page.locator('tr[data-run=ahead][data-state=done]').waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('tr[data-run=not-wanted][data-state=cancelled]').count(), 1, 'still cancelled after the run ahead ended');
  });

  it('shows a viewer the runs without the start form or any action', async () => {
    const viewer = await signIn(browser, node.httpUrl, await createNodeUser(node, 'viewer'), '/training');
    await viewer.page.getByText('Starting, cancelling and registering runs needs the operator role').waitFor();
    assert.equal(await viewer.page.getByRole('form', { name: 'Start a training run' }).count(), 0);
    await viewer.page.locator('tr[data-run=watched][data-state=done]').waitFor();
    await snap(viewer.page, shots, '12-viewer-list');
    await viewer.page.locator('tr[data-run=watched]').getByRole('link', { name: 'watched' }).click();
    await viewer.page.locator('.run-page[data-state=done]').waitFor();
    await viewer.page.getByTestId('eval-table').waitFor();
    for (const name of ['Register as model', 'Stop run', 'Cancel run', 'Resume']) assert.equal(await viewer.page.getByRole('button', { name }).count(), 0, name);
    assert.deepEqual(viewer.errors, []);
    await viewer.page.context().close();
    assert.deepEqual(errors, []);
  });
});
