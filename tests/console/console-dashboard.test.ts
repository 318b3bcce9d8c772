// The dashboard and the audit log in a real browser (Debian's Chromium via playwright-core)
// against a real node (`sharpxr start` as a child process, the shipped model on the CPU):
// a new node's dashboard says how to send the first image with its own AE title and port; after
// two storescu sends processed by the node, the charts carry those figures (their accessible
// summaries, the tooltip on hover and on the keyboard), the range is in the URL; the audit log
// lists the sign-in and a failed one, and its filters narrow the rows and stay in the URL; an
// undecodable image (dead-lettered) and an export to a closed port (failed, retrying) show on
// the charts, and the destination's change reads as "port old → new"; a viewer has no audit page. Screenshots: out/screenshots/dashboard/.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { freePort, storescu } from '../helpers/dcmtk.js';
import { createNodeUser, loginToNode } from '../helpers/node-login.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { dcmtkMissing } from '../helpers/orthanc.js';
import { dcmtk } from '../server/dicom-builders.js';
import { freshFixtureCopies, sopInstanceUidOf, tempDir } from '../server/helpers.js';
import { chromiumMissing, launch } from '../viewer/browser.js';
import { ensureConsoleBuilt, screenshotsOf, signIn, snap, type ConsolePage } from './console-browser.js';

const skip = dcmtkMissing() ?? chromiumMissing();
const SHOTS = screenshotsOf('dashboard');

describe('console: dashboard and audit log', { skip }, () => {
  const tmp = tempDir('sharpxr-console-dashboard-');
  let node: NodeProcess;
  let browser: Browser;
  let operator: ConsolePage;
  let operatorName: string;

  before(async () => {
    ensureConsoleBuilt();
    // A long backoff keeps a job whose export failed in 'failed' while the page is looked at.
    node = await startNodeProcess({ dir: join(tmp.dir, 'node'), dicomPort: await freePort(), httpPort: await freePort(), config: { queue: { backoffBaseMs: 600_000 } } });
    operatorName = await createNodeUser(node, 'operator', 'olga');
    // A mistyped password first: the audit log must show it as failed.
    const wrong = await fetch(`${node.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: operatorName, password: 'not the password' }) });
    assert.equal(wrong.status, 401);
    browser = await launch();
    operator = await signIn(browser, node.httpUrl, operatorName, '/');
  });
  after(async () => {
    await browser?.close();
    await node?.kill9();
    tmp.cleanup();
  });

  it('a new node: the dashboard says how to send the first image, with the node\'s AE title and port', async () => {
    const { page } = operator;
    await page.getByRole('heading', { name: 'No images yet' }).waitFor();
    const command = await page.getByTestId('storescu-command').textContent();
    assert.equal(command, `storescu -aec SHARPXR 127.0.0.1 ${node.dicomPort} file.dcm`);
    const subtitle = await page.locator('.dash-subtitle').innerText();
    assert.match(subtitle, new RegExp(`AE title SHARPXR on DICOM port ${node.dicomPort}`));
    assert.match(subtitle, /on CPU/);
    assert.match(await page.getByRole('img', { name: /^Disk use of the data folder: \d+%/ }).getAttribute('aria-label') ?? '', /of/);
    await page.getByText('The queue is empty').waitFor();
    await page.getByText('No job finished in this window yet').waitFor();
    await snap(page, SHOTS, '01-new-node');
    assert.deepEqual(operator.errors, []);
  });

  it('after two images sent with storescu, the charts show them', async () => {
    const { page } = operator;
    const files = freshFixtureCopies(join(tmp.dir, 'in'), ['first', 'second']);
    const sent = await storescu({ host: '127.0.0.1', port: node.dicomPort, aeTitle: 'SHARPXR' }, files);
    assert.equal(sent.code, 0, sent.stderr);
    for (const uid of files.map(sopInstanceUidOf)) {
      await node.waitForLog((r) => r.msg === 'job exported' && r.sopInstanceUid === uid, 120_000, `the job of ${uid} exported`);
    }
    // It refreshes by itself every 10 s; the button does it now.
    await page.getByRole('button', { name: 'Refresh' }).click();
    const flow = page.getByRole('img', { name: /^Images received and processed per hour:/ });
    await flow.waitFor();
    const summary = (await flow.getAttribute('aria-label')) ?? '';
    assert.match(summary, /Received 2 images \(peak 2 at /, summary);
    assert.match(summary, /Processed 2 images/, summary);
    const trouble = (await page.getByRole('img', { name: /^Failures, dead-letters and guard trips/ }).getAttribute('aria-label')) ?? '';
    assert.match(trouble, /nothing in this window/);
    await page.getByText('No failures, dead-letters or guard trips in this window').waitFor();
    const latency = (await page.getByRole('img', { name: /^Median latency per stage:/ }).getAttribute('aria-label')) ?? '';
    for (const stage of ['decode', 'infer', 'encode']) assert.match(latency, new RegExp(`${stage} \\d`), latency);
    assert.match(await page.locator('.dash-tile').first().innerText(), /Received\s+2\b/);
    await page.getByText('2 exported and 0 shadow results kept in all.').waitFor();
    // The tooltip: the mouse over this hour, and the End key on the focused chart.
    const box = (await flow.boundingBox())!;
    await page.mouse.move(box.x + box.width - 20, box.y + box.height / 2);
    const tip = page.locator('.chart-tip').first();
    assert.match(await tip.innerText(), /Received: 2\s+Processed: 2/);
    await page.mouse.move(0, 0);
    await page.locator('.chart-box', { has: flow }).focus();
    await page.keyboard.press('End');
    assert.match(await tip.innerText(), /Received: 2/);
    await snap(page, SHOTS, '02-dashboard');
    await page.keyboard.press('Escape');
    await page.getByLabel('Time range').selectOption('168');
    await page.waitForURL(/\?hours=168$/);
    await page.getByRole('img', { name: /^Images received and processed per 3 hours: Received 2 images/ }).waitFor();
    await snap(page, SHOTS, '03-dashboard-7-days');
    assert.deepEqual(operator.errors, []);
  });

  it('the audit log lists the sign-in and the failed one; filters narrow it and stay in the URL', async () => {
    const { page } = operator;
    await open(page, '/audit', 'Audit log');
    const logins = page.locator(`tr[data-action="auth.login"]`);
    await logins.first().waitFor();
    assert.ok((await page.locator('tr[data-action="auth.login"][data-outcome="ok"]', { hasText: operatorName }).count()) >= 1, 'the sign-in');
    const failed = page.locator('tr[data-outcome="failed"]');
    assert.equal(await failed.count(), 1);
    assert.match(await failed.innerText(), /wrong user name or password/);
    await snap(page, SHOTS, '04-audit');
    await page.getByLabel('Outcome').selectOption('failed');
    await page.waitForURL(/outcome=failed/);
    await waitForRows(page, (rows) => rows.length === 1 && rows[0]!.outcome === 'failed');
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('Action').fill('patient.');
    await page.getByLabel('Action').press('Enter');
    await page.waitForURL(/action=patient\./);
    await page.getByRole('heading', { name: 'No event matches these filters' }).waitFor();
    await snap(page, SHOTS, '05-audit-no-match');
    // A quick filter, then the URL reloaded as a bookmark would be.
    await page.getByRole('button', { name: 'Logins', exact: true }).click();
    await page.waitForURL(/action=auth\.login/);
    await page.reload();
    await waitForRows(page, (rows) => rows.length >= 2 && rows.every((r) => r.action === 'auth.login'));
    assert.equal(await page.getByLabel('Action').inputValue(), 'auth.login');
    await snap(page, SHOTS, '06-audit-filtered');
    assert.deepEqual(operator.errors, []);
  });

  it('when things go wrong: a dead-letter and a failed export are charted, the destination change audited', async () => {
    const { page } = operator;
    const session = await loginToNode(node, 'operator');
    const api = async (method: string, path: string, body: unknown): Promise<void> => {
      const res = await fetch(`${node.httpUrl}/api${path}`, { method, headers: { ...session.headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.text()}`);
    };
    // A PACS nobody listens on, then moved to another closed port: the audit shows the change.
    await api('POST', '/destinations', { name: 'pacs', aeTitle: 'PACS', host: '127.0.0.1', port: await freePort() });
    const port = await freePort();
    await api('PUT', '/destinations/pacs', { port });
    const [broken, good] = freshFixtureCopies(join(tmp.dir, 'bad'), ['broken', 'good']);
    // Rows no longer match the pixel data: received and stored, but it can never be decoded.
    dcmtk('dcmodify', ['-nb', '-m', '(0028,0010)=1000', broken!]);
    const sent = await storescu({ host: '127.0.0.1', port: node.dicomPort, aeTitle: 'SHARPXR' }, [broken!, good!]);
    assert.equal(sent.code, 0, sent.stderr);
    await node.waitForLog((r) => r.msg === 'job dead-lettered', 120_000, 'the broken image dead-lettered');
    await node.waitForLog((r) => r.msg === 'job failed; will retry', 120_000, 'the good image failing its export');
    await open(page, '/', 'Dashboard');
    const trouble = page.getByRole('img', { name: /^Failures, dead-letters and guard trips per hour:/ });
    await page.waitForFunction(() => /Dead-lettered 1 job\b/.test(document.querySelector('svg[aria-label^="Failures, dead-letters"]')?.getAttribute('aria-label') ?? ''));
    const summary = (await trouble.getAttribute('aria-label')) ?? '';
    assert.match(summary, /Failed \(retrying\) 1 job\b/, summary);
    assert.match(summary, /Dead-lettered 1 job\b/, summary);
    assert.match(await page.locator('.dash-tile', { hasText: 'Dead-lettered' }).innerText(), /Dead-lettered\s+1\b/);
    const queue = (await page.getByRole('img', { name: /^Jobs in the queue by state:/ }).getAttribute('aria-label')) ?? '';
    assert.match(queue, /Retrying 1, Dead 1/, queue);
    await snap(page, SHOTS, '07-dashboard-trouble');
    await open(page, '/audit?action=destination.', 'Audit log');
    await waitForRows(page, (rows) => rows.length === 2);
    const update = page.locator('tr[data-action="destination.update"]');
    assert.match(await update.innerText(), new RegExp(`port\\s+\\d+\\s+→\\s+${port}`));
    assert.match(await page.locator('tr[data-action="destination.create"]').innerText(), /created/);
    await snap(page, SHOTS, '08-audit-changes');
    assert.deepEqual(operator.errors, []);
  });

  it('a viewer sees the dashboard but no audit log', async () => {
    const name = await createNodeUser(node, 'viewer', 'vera');
    const viewer = await signIn(browser, node.httpUrl, name, '/');
    await viewer.page.getByRole('img', { name: /^Images received and processed per hour: Received 4 images/ }).waitFor();
    assert.equal(await viewer.page.locator('nav.sidebar').getByText('Audit log').count(), 0);
    const res = await fetch(`${node.httpUrl}/api/audit`, { headers: { cookie: (await viewer.page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } });
    assert.equal(res.status, 403);
    await viewer.page.context().close();
    assert.deepEqual(viewer.errors, []);
  });

  async function open(page: Page, path: string, heading: string): Promise<void> {
    await page.goto(path);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  }

  async function waitForRows(page: Page, ok: (rows: { action: string; outcome: string }[]) => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    let rows: { action: string; outcome: string }[] = [];
    while (Date.now() < deadline) {
      rows = await page.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => ({ action: tr.getAttribute('data-action') ?? '', outcome: tr.getAttribute('data-outcome') ?? '' })));
      if (rows.length > 0 && ok(rows)) return;
      await page.waitForTimeout(100);
    }
    assert.fail(`the audit rows never matched: ${JSON.stringify(rows)}`);
  }
});
