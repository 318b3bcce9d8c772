// The console's operational pages in Chromium against a running node (`sharpxr start`), with
// DCMTK storescu as the modality and storescp as the PACS: log in on the login page, a chest
// radiograph sent to the node shows on the studies page and reaches "exported" on the jobs
// page, the job page draws the original and the denoised image on canvases (real pixels,
// MONOCHROME1 shown inverted), the swipe divider moves what is shown, the difference view
// draws, the study links to the viewer's comparison, and "send again" goes through the confirm
// dialog to the PACS and into the audit trail, reprocessing with another model makes a new
// job, a shadow model's result is compared with the active one's; an admin deletes an instance;
// a job failing on a refused destination is retried from its page.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { freePort, startStorescp, storescu, type Storescp } from '../helpers/dcmtk.js';
import { createNodeUser, loginToNode, NODE_TEST_PASSWORD } from '../helpers/node-login.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { dcmtkMissing, waitFor } from '../helpers/orthanc.js';
import { escapeRegExp, freshFixtureCopies, ROOT, shippedModels, sopInstanceUidOf, tempDir } from '../server/helpers.js';
import { chromiumMissing, launch } from '../viewer/browser.js';
import { canvasStats, swipeBandDiff } from './canvas-probe.js';

const skip = dcmtkMissing() ?? chromiumMissing();
/** The node runs the shipped default model; the shipped GAN is the other model used. */
const SHIPPED = await shippedModels();
const GAN_LABEL = `${SHIPPED.gan.name} ${SHIPPED.gan.version} `;
const SHOTS = join(ROOT, 'out', 'screenshots', 'studies');

describe('console: studies and jobs pages against a running node', { skip }, () => {
  const tmp = tempDir('sharpxr-console-ops-');
  const pacsDir = join(tmp.dir, 'pacs');
  let pacs: Storescp;
  let node: NodeProcess;
  let browser: Browser;
  let page: Page;
  let username: string;
  let sop: string;
  let studyUid: string;
  const errors: string[] = [];
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // The node serves whatever server/console/dist holds: build it from the sources under test.
    execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: join(ROOT, 'server', 'console'), stdio: 'inherit' });
    pacs = await startStorescp(pacsDir, { aeTitle: 'PACS' });
    node = await startNodeProcess({
      dir: join(tmp.dir, 'node'), dicomPort: await freePort(), httpPort: await freePort(),
      config: { destinations: [{ name: 'pacs', aeTitle: 'PACS', host: '127.0.0.1', port: pacs.port }], model: { tile: 256, overlap: 32 } },
    });
    username = await createNodeUser(node, 'admin', 'reading-room-admin');
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.on('pageerror', (e) => errors.push(e.message));
  });
  after(async () => {
    await browser?.close();
    await node?.stop();
    await pacs?.stop();
    tmp.cleanup();
  });

  it('logs in on the login page and shows an empty studies list', async () => {
    await page.goto(`${node.httpUrl}/studies`);
    await page.waitForURL(/\/login\?next=%2Fstudies/);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(NODE_TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${node.httpUrl}/studies`);
    await page.getByText('No studies yet').waitFor();
    await shot('01-studies-empty');
  });

  it('lists a radiograph sent with storescu and follows its job to exported', async () => {
    const [file] = freshFixtureCopies(join(tmp.dir, 'in'), ['chest']);
    sop = sopInstanceUidOf(file!);
    const sent = await storescu({ host: '127.0.0.1', port: node.dicomPort, aeTitle: 'SHARPXR' }, [file!]);
    assert.equal(sent.code, 0, sent.stderr);
    // The list refreshes itself (15 s); the test does not wait for that, it reloads once received.
    await node.waitForLog((l) => l.msg === 'job exported' && l.sopInstanceUid === sop, 90_000, 'the job exported');
    await page.reload();
    const row = page.getByTestId('studies-table').locator('tbody tr');
    await row.first().waitFor();
    assert.equal(await row.count(), 1);
    await row.locator('[data-job-state="exported"]').waitFor();
    await shot('02-studies-one');

    await page.goto(`${node.httpUrl}/jobs`);
    await page.locator('[data-testid="jobs-table"] tr[data-state="exported"]').first().waitFor({ timeout: 30_000 });
    await shot('03-jobs');
  });

  it('keeps the filters in the URL and says so when nothing matches', async () => {
    await page.goto(`${node.httpUrl}/studies`);
    await page.getByLabel('Patient ID').fill('NOBODY-42');
    await page.waitForURL(/patientId=NOBODY-42/);
    await page.getByText('No study matches these filters').waitFor();
    await shot('04-studies-no-match');
    await page.reload();
    assert.equal(await page.getByLabel('Patient ID').inputValue(), 'NOBODY-42', 'the filter survives a reload');
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await page.getByTestId('studies-table').waitFor();
    assert.doesNotMatch(page.url(), /patientId/);
    await page.getByLabel('Job state').selectOption('exported');
    await page.waitForURL(/state=exported/);
    await page.getByTestId('studies-table').locator('tbody tr').first().waitFor();
  });

  it('opens the study: instances with their jobs and the link to the viewer\'s comparison', async () => {
    await page.getByTestId('studies-table').locator('tbody tr').first().click();
    await page.waitForURL(/\/studies\/[0-9.]+$/);
    studyUid = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    await page.locator(`[data-testid="instance"][data-sop="${sop}"]`).waitFor();
    const href = await page.getByTestId('open-ohif').getAttribute('href');
    assert.equal(href, `/viewer/sharpxr-compare?StudyInstanceUIDs=${studyUid}`);
    await shot('05-study');
  });

  it('draws the original and the denoised image on canvases, MONOCHROME1 inverted, and swipes', async () => {
    await page.locator('tr[data-state="exported"] a').first().click();
    await page.waitForURL(/\/jobs\/[^/]+$/);
    await page.locator('[data-testid="job-state"][data-state="exported"]').waitFor();
    await page.locator('[data-testid="job-timeline"] [data-stage="infer"]').waitFor();
    const left = page.locator('[data-testid="compare-canvas"][data-side="left"]');
    const right = page.locator('[data-testid="compare-canvas"][data-side="right"]');
    const ready = async (): Promise<void> => {
      await waitFor(async () => (await canvasStats(left)).spread > 10 && (await canvasStats(right)).spread > 10, 30_000, 'both canvases drawn');
    };
    await ready();
    await page.locator('[data-testid="job-audit"] tr[data-action="patient.view"]').first().waitFor({ timeout: 10_000 });
    const [a, b] = [await canvasStats(left), await canvasStats(right)];
    assert.ok(a.nonBlack > 0.3 && b.nonBlack > 0.3, `the images fill the panes (${a.nonBlack}, ${b.nonBlack})`);
    // MONOCHROME1: shown inverted, the lungs are darker than the mediastinum and bones around them.
    assert.ok(a.centerColumnMean > a.lungMean, `inverted: the mediastinum (${a.centerColumnMean}) brighter than the lungs (${a.lungMean})`);
    await shot('06-job-side-by-side');

    // Zoom is shared: the wheel over the left pane magnifies the right one too. Right-drag sets the window.
    const rightBefore = await right.evaluate((c: HTMLCanvasElement) => c.toDataURL());
    const box = (await left.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -400);
    await page.getByRole('button', { name: /^Fit · (?!100 %)/ }).waitFor();
    assert.notEqual(await right.evaluate((c: HTMLCanvasElement) => c.toDataURL()), rightBefore, 'the right pane zoomed with the left');
    const view0 = page.getByTestId('compare-view');
    const windowBefore = await view0.getAttribute('data-window');
    await page.mouse.down({ button: 'right' });
    await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 - 40, { steps: 4 });
    await page.mouse.up({ button: 'right' });
    assert.notEqual(await view0.getAttribute('data-window'), windowBefore, 'right-drag changed the window');
    await shot('06b-job-zoomed-windowed');
    await left.dblclick();
    await page.getByRole('button', { name: 'Fit · 100 %' }).waitFor();
    await page.getByLabel('Window preset').selectOption('default');
    assert.equal(await view0.getAttribute('data-window'), windowBefore);

    await page.locator('[data-compare-mode="swipe"]').click();
    const view = page.getByTestId('compare-view');
    const swipe = page.locator('[data-testid="compare-canvas"][data-mode="swipe"]');
    await swipe.waitFor();
    const before = await swipe.evaluate((c: HTMLCanvasElement) => c.toDataURL());
    const dividerBefore = (await page.getByTestId('compare-divider').boundingBox())!;
    await page.getByTestId('compare-divider').focus();
    for (let i = 0; i < 10; i++) await view.press('ArrowLeft');
    assert.equal(await view.getAttribute('data-swipe'), '0.300');
    const dividerAfter = (await page.getByTestId('compare-divider').boundingBox())!;
    assert.ok(dividerAfter.x < dividerBefore.x - 50, 'the divider moved left');
    // Drag it back to the right with the mouse.
    await page.mouse.move(dividerAfter.x + dividerAfter.width / 2, dividerAfter.y + dividerAfter.height / 2);
    await page.mouse.down();
    await page.mouse.move(dividerAfter.x + 300, dividerAfter.y + dividerAfter.height / 2, { steps: 5 });
    await page.mouse.up();
    assert.ok(Number(await view.getAttribute('data-swipe')) > 0.5, 'dragged past the middle');
    assert.notEqual(await swipe.evaluate((c: HTMLCanvasElement) => c.toDataURL()), before, 'the canvas shows something else after the swipe');
    assert.ok(await swipeBandDiff(swipe) > 0, 'original and denoised differ where the divider went');
    await shot('07-job-swipe');
  });

  it('draws the difference and flickers with F', async () => {
    await page.locator('[data-compare-mode="difference"]').click();
    const diff = page.locator('[data-testid="compare-canvas"][data-mode="difference"]');
    await diff.waitFor();
    await waitFor(async () => (await canvasStats(diff)).max > 0, 10_000, 'a difference drawn');
    const d = await canvasStats(diff);
    assert.ok(d.mean < 128, `mostly dark: little changed (${d.mean})`);
    await shot('08-job-difference');
    const view = page.getByTestId('compare-view');
    await view.press('f');
    assert.equal(await view.getAttribute('data-mode'), 'flicker');
    await view.press('f');
    assert.equal(await view.getAttribute('data-flicker'), 'right');
    await view.press('f');
    assert.equal(await view.getAttribute('data-flicker'), 'left');
  });

  it('sends the result again through the confirm dialog: the PACS gets it and the audit trail says so', async () => {
    const sends = (): number => node.records().filter((r) => r.msg === 'derived instance sent' && r.sopInstanceUid === sop).length;
    assert.equal(sends(), 1, 'sent once so far');
    await page.getByRole('button', { name: 'Send again' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByText('Send this result again?').waitFor();
    await shot('09-send-again-confirm');
    await dialog.getByRole('button', { name: 'Send again' }).click();
    await page.getByText(/Sending again to 1 destination/).waitFor();
    await page.locator('[data-testid="job-audit"] tr[data-action="job.send"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="job-timeline"] [data-stage="send again"]').waitFor();
    await page.locator('[data-testid="deliveries"] tr[data-state="sent"]').waitFor({ timeout: 30_000 });
    await waitFor(() => sends() === 2, 30_000, 'the second send in the log');
    assert.ok(readdirSync(pacsDir).length >= 1, 'the PACS has the derived instance');
    await shot('10-job-after-send');
    assert.deepEqual(errors, [], 'no page errors');
  });

  it('reprocesses with another registry model from the dialog and follows the new job', async () => {
    const original = page.url();
    await page.getByTestId('job-reprocess').click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByLabel('Model').locator('option').first().waitFor({ state: 'attached' });
    const options = await dialog.getByLabel('Model').locator('option').allTextContents();
    assert.ok(options.some((o) => o.startsWith(GAN_LABEL)), `the other model offered (${options.join(', ')})`);
    assert.ok(!options.some((o) => o.startsWith(`${SHIPPED.default.name} ${SHIPPED.default.version} `)), 'not the model the job ran');
    await dialog.getByLabel('Model').selectOption({ label: options.find((o) => o.startsWith(GAN_LABEL))! });
    await dialog.getByRole('button', { name: 'Reprocess' }).click();
    await waitFor(() => page.url() !== original, 10_000, 'the new job\'s page');
    await page.locator('[data-testid="job-state"][data-state="exported"]').waitFor({ timeout: 90_000 });
    assert.match(await page.getByTestId('job-state').innerText(), new RegExp(`reprocess[\\s\\S]*${escapeRegExp(SHIPPED.gan.name)}`));
    await waitFor(async () => (await canvasStats(page.locator('[data-testid="compare-canvas"][data-side="right"]'))).spread > 10, 30_000, 'its result drawn');
    await shot('11-reprocessed-job');
  });

  it('compares the active model\'s result with the shadow model\'s', async () => {
    const admin = await loginToNode(node, 'admin');
    const models = (await (await fetch(`${node.httpUrl}/api/models`, { headers: admin.headers })).json()) as { items: { id: string; name: string }[] };
    const gan = models.items.find((m) => m.name === SHIPPED.gan.name)!;
    assert.equal((await fetch(`${node.httpUrl}/api/models/${gan.id}/shadow`, { method: 'POST', headers: admin.headers })).status, 200);
    const [file] = freshFixtureCopies(join(tmp.dir, 'in'), ['shadowed']);
    const uid = sopInstanceUidOf(file!);
    assert.equal((await storescu({ host: '127.0.0.1', port: node.dicomPort, aeTitle: 'SHARPXR' }, [file!])).code, 0);
    await node.waitForLog((l) => l.msg === 'shadow job kept (not sent)' && l.sopInstanceUid === uid, 90_000, 'the shadow job kept');
    const jobs = (await (await fetch(`${node.httpUrl}/api/jobs?role=primary`, { headers: admin.headers })).json()) as { items: { id: string; sopInstanceUid: string }[] };
    const primary = jobs.items.find((j) => j.sopInstanceUid === uid)!;
    await page.goto(`${node.httpUrl}/jobs/${primary.id}`);
    await page.getByTestId('compare-shadow').click();
    await page.locator('[data-testid="job-compare"][data-pair="shadow"]').waitFor();
    const left = page.locator('[data-testid="compare-canvas"][data-side="left"]');
    const right = page.locator('[data-testid="compare-canvas"][data-side="right"]');
    await waitFor(async () => (await canvasStats(left)).spread > 10 && (await canvasStats(right)).spread > 10, 30_000, 'active and shadow drawn');
    assert.match(await page.getByTestId('job-compare').innerText(), new RegExp(`Active · ${escapeRegExp(SHIPPED.default.name)}[\\s\\S]*Shadow · ${escapeRegExp(SHIPPED.gan.name)}`));
    await shot('12-active-vs-shadow');
  });

  it('lets an admin delete an instance after asking', async () => {
    await page.goto(`${node.httpUrl}/studies/${studyUid}`);
    const block = page.locator(`[data-testid="instance"][data-sop="${sop}"]`);
    await block.getByRole('button', { name: 'Delete' }).click();
    await page.locator('dialog[open]').getByRole('button', { name: 'Delete' }).click();
    await block.waitFor({ state: 'detached' });
    await page.locator('[data-testid="instance"]').first().waitFor();
    await shot('13-study-after-delete');
    assert.deepEqual(errors, [], 'no page errors');
  });

  it('shows a failed delivery in red and retries the job now: the timeline names who retried', async () => {
    const admin = await loginToNode(node, 'admin');
    const down = await freePort(); // nothing listens there: the association is refused
    const created = await fetch(`${node.httpUrl}/api/destinations`, {
      method: 'POST', headers: { ...admin.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'down', aeTitle: 'DOWN', host: '127.0.0.1', port: down }),
    });
    assert.equal(created.status, 201, await created.text());
    const [file] = freshFixtureCopies(join(tmp.dir, 'in'), ['undeliverable']);
    const uid = sopInstanceUidOf(file!);
    assert.equal((await storescu({ host: '127.0.0.1', port: node.dicomPort, aeTitle: 'SHARPXR' }, [file!])).code, 0);
    const failed = await waitFor(async () => {
      const list = (await (await fetch(`${node.httpUrl}/api/jobs?role=primary&state=failed`, { headers: admin.headers })).json()) as { items: { id: string; sopInstanceUid: string }[] };
      return list.items.find((j) => j.sopInstanceUid === uid);
    }, 90_000, 'the job failed on the refused destination', 500);
    await page.goto(`${node.httpUrl}/jobs/${failed.id}`);
    await page.locator('[data-testid="job-state"][data-state="failed"]').waitFor();
    await page.locator('[data-testid="deliveries"] tr[data-destination="down"][data-state="failed"]').waitFor();
    await page.locator('[data-testid="deliveries"] tr[data-destination="pacs"][data-state="sent"]').waitFor();
    await page.locator('[data-testid="job-timeline"] [data-stage="deliver down"][data-ok="false"]').waitFor();
    await page.getByTestId('job-retry').click();
    await page.getByText('Queued again with its attempts reset.').waitFor();
    const retried = page.locator('[data-testid="job-timeline"] [data-stage="retried"]');
    await retried.waitFor({ timeout: 30_000 });
    assert.match(await retried.innerText(), /by reading-room-admin/);
    await page.locator('[data-testid="job-audit"] tr[data-action="job.retry"]').waitFor();
    await shot('14-job-failed-retried');
    assert.deepEqual(errors, [], 'no page errors');
  });
});
