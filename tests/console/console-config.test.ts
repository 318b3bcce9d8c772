// The configuration and account pages in a real browser (Debian's Chromium via playwright-core)
// against a real node (`sharpxr start` as a child process), with DCMTK storescp as the PACS and
// storescu sending the instance the rules are tested on: a destination added and C-ECHOed (ok),
// a wrong port (refused), a bad port value worded by the node under its field; a rule edited and
// tested against the stored instance before and after saving; retention changed in the settings;
// a user and an API token made (and the token used, then revoked); the last admin kept; and a
// viewer account meeting the same pages read-only. Screenshots: out/screenshots/config/.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { freePort, startStorescp, storescu, type Storescp } from '../helpers/dcmtk.js';
import { createNodeUser, loginToNode, type NodeSession } from '../helpers/node-login.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { dcmtkMissing } from '../helpers/orthanc.js';
import { freshFixtureCopies, sopInstanceUidOf, tempDir } from '../server/helpers.js';
import { chromiumMissing, launch } from '../viewer/browser.js';
import { ensureConsoleBuilt, screenshotsOf, signIn, snap, type ConsolePage } from './console-browser.js';

const skip = dcmtkMissing() ?? chromiumMissing();
const SHOTS = screenshotsOf('config');

describe('console: destinations, rules, settings, users, tokens, feedback', { skip }, () => {
  const tmp = tempDir('sharpxr-console-config-');
  let pacs: Storescp;
  let node: NodeProcess;
  let browser: Browser;
  let admin: ConsolePage;
  let adminName: string;
  let viewerName: string;
  let session: NodeSession;
  let storedUid: string;

  const api = async (path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<{ status: number; body: any }> => {
    const headers: Record<string, string> = init.token ? { authorization: `Bearer ${init.token}` } : { ...session.headers };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${node.httpUrl}/api${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const open = async (page: Page, path: string, heading: string): Promise<void> => {
    await page.goto(path);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  };

  before(async () => {
    ensureConsoleBuilt();
    pacs = await startStorescp(join(tmp.dir, 'pacs'), { aeTitle: 'PACS' });
    node = await startNodeProcess({
      dir: join(tmp.dir, 'node'), dicomPort: await freePort(), httpPort: await freePort(),
      config: {
        destinations: [{ name: 'archive', aeTitle: 'PACS', host: '127.0.0.1', port: pacs.port }],
        // DX only: the CR fixture is stored and skipped (no inference on the shared CPUs), and the
        // rule edited in the console is what would select it.
        rules: [{ name: 'chest-dx', modality: ['DX'], bodyPartExamined: ['CHEST'] }],
        retentionDays: 30,
      },
    });
    adminName = await createNodeUser(node, 'admin', 'alice');
    viewerName = await createNodeUser(node, 'viewer', 'victor');
    session = await loginToNode(node, 'admin');
    const [file] = freshFixtureCopies(join(tmp.dir, 'in'), ['cr']);
    storedUid = sopInstanceUidOf(file!);
    const sent = await storescu({ host: '127.0.0.1', port: node.dicomPort, aeTitle: 'SHARPXR' }, [file!]);
    assert.equal(sent.code, 0, sent.stderr);
    await node.waitForLog((l) => l.msg === 'C-STORE stored' && l.sopInstanceUid === storedUid, 20_000, 'the CR stored');
    browser = await launch();
    admin = await signIn(browser, node.httpUrl, adminName, '/destinations');
  });
  after(async () => {
    await browser?.close();
    await node?.kill9();
    await pacs?.stop();
    tmp.cleanup();
  });

  it('destinations: the config file one tagged, one added and C-ECHOed (ok), a wrong port refused, a bad port worded under its field', async () => {
    const { page } = admin;
    await page.getByRole('heading', { level: 1, name: 'Destinations' }).waitFor();
    const archive = page.locator('tr[data-destination="archive"]');
    await archive.getByText('config file', { exact: true }).waitFor();
    await archive.getByRole('button', { name: 'Test connection' }).click();
    await page.locator('[data-testid="echo-result"][data-outcome="ok"]').waitFor();

    const form = page.getByRole('form', { name: 'Destination' });
    await page.getByRole('button', { name: 'Add destination' }).click();
    await form.waitFor();
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Add destination' }).click();
    await form.getByLabel('Name').fill('second');
    await form.getByLabel('AE title').fill('PACS');
    await form.getByLabel('Host').fill('127.0.0.1');
    await form.getByLabel('Port').fill(String(await freePort()));
    await form.getByRole('button', { name: 'Test connection' }).click();
    const refused = form.locator('[data-testid="echo-result"]');
    await refused.and(page.locator('[data-outcome="refused"]')).waitFor();
    assert.match(await refused.innerText(), /connection refused/);
    await snap(page, SHOTS, '01-destination-form-refused');

    await form.getByLabel('Port').fill('not-a-port');
    await form.getByLabel('Port').press('Enter');
    const portError = form.locator('.field-error', { has: page.getByLabel('Port') }).locator('.field-message');
    await portError.waitFor();
    assert.match(await portError.innerText(), /^port: /, 'the node\'s words, under the port');
    await snap(page, SHOTS, '02-destination-form-invalid-port');

    await form.getByLabel('Port').fill(String(pacs.port));
    await form.getByRole('button', { name: 'Test connection' }).click();
    await form.locator('[data-testid="echo-result"][data-outcome="ok"]').waitFor();
    await form.getByLabel('Port').press('Enter');
    const second = page.locator('tr[data-destination="second"]');
    await second.getByText('console', { exact: true }).waitFor();
    await second.getByRole('button', { name: 'Test connection' }).click();
    const echoed = page.locator('tr.row-detail [data-testid="echo-result"][data-outcome="ok"]').last();
    await echoed.waitFor();
    assert.match(await echoed.innerText(), /SHARPXR → PACS@127\.0\.0\.1/);
    const saved = (await api('/destinations')).body.items.find((d: { name: string }) => d.name === 'second');
    assert.deepEqual([saved.source, saved.port, saved.aeTitle], ['console', pacs.port, 'PACS']);

    // A config file destination changed in the console is an override, and goes back to the file.
    await archive.getByRole('button', { name: 'Edit' }).click();
    await form.getByLabel('AE title').fill('PACS2');
    await form.getByLabel('AE title').press('Enter');
    await archive.getByText('console override').waitFor();
    await snap(page, SHOTS, '03-destinations');
    await archive.getByRole('button', { name: 'Revert' }).click();
    await archive.getByText('config file', { exact: true }).waitFor();
    assert.equal((await api('/destinations')).body.items.find((d: { name: string }) => d.name === 'archive').aeTitle, 'PACS');

    // Deleted, a config file destination is hidden (not sent to) and can be restored.
    await archive.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    const deleted = page.locator('li[data-destination="archive"]');
    await deleted.waitFor();
    assert.equal((await api('/destinations')).body.items.find((d: { name: string }) => d.name === 'archive').deleted, true);
    await snap(page, SHOTS, '03b-destination-deleted');
    await deleted.getByRole('button', { name: 'Restore' }).click();
    await archive.getByText('config file', { exact: true }).waitFor();
  });

  it('rules: the config file\'s rule skips the stored CR; edited, the unsaved set selects it; a bad pattern is worded under its field; saved, it is the console\'s', async () => {
    const { page } = admin;
    await open(page, '/rules', 'Selection rules');
    await page.locator('.source-line').getByText('config file', { exact: true }).waitFor();
    const testCard = page.locator('.card', { has: page.getByRole('heading', { name: 'Test against a stored instance' }) });
    await testCard.getByRole('button', { name: 'Test the saved rules' }).click();
    const result = page.locator('[data-testid="rule-test-result"]');
    await result.and(page.locator('[data-selected="false"]')).waitFor();
    assert.match(await result.innerText(), /Modality is "CR", the rule wants DX/);

    const rule = page.locator('[data-rule-index="0"]');
    await rule.getByLabel('Modality').fill('CR, DX');
    await testCard.getByRole('button', { name: 'Test the unsaved rules' }).click();
    await result.and(page.locator('[data-selected="true"]')).waitFor();
    assert.match(await result.innerText(), /Would be processed \(rule “chest-dx”\)/);
    assert.match(await result.innerText(), /the rules in the editor \(not saved\)/);
    await snap(page, SHOTS, '04-rules-test-unsaved');

    await rule.getByLabel('Series Description').fill('(unclosed');
    await rule.getByLabel('Series Description').press('Enter');
    const patternError = rule.locator('.field-error .field-message');
    await patternError.waitFor();
    assert.match(await patternError.innerText(), /^rules\[0\]\.seriesDescription: /);
    await snap(page, SHOTS, '05-rules-invalid-pattern');

    await rule.getByLabel('Series Description').fill('');
    await page.getByRole('button', { name: 'Save rules' }).click();
    await page.locator('.source-line').getByText('console', { exact: true }).waitFor();
    const rules = (await api('/rules')).body;
    assert.equal(rules.source, 'console');
    assert.deepEqual(rules.rules, [{ name: 'chest-dx', modality: ['CR', 'DX'], bodyPartExamined: ['CHEST'] }]);
    const tested = (await api('/rules/test', { method: 'POST', body: { sopInstanceUid: storedUid } })).body;
    assert.deepEqual([tested.selected, tested.ruleSet], [true, 'console']);
    await snap(page, SHOTS, '06-rules-saved');
  });

  it('settings: retention changed (live, from the console); a port change waits for a restart', async () => {
    const { page } = admin;
    await open(page, '/settings', 'Settings');
    const retention = page.locator('[data-setting="retentionDays"]');
    await retention.getByText('config file', { exact: true }).waitFor();
    await retention.getByLabel('Retention (days)').fill('14');
    await page.locator('[data-setting="httpPort"]').getByLabel('HTTP port').fill(String(await freePort()));
    await retention.getByLabel('Retention (days)').press('Enter');
    await retention.getByText('console', { exact: true }).waitFor();
    await page.locator('[data-setting="httpPort"] [data-testid="waiting"]').waitFor();
    assert.equal(await retention.locator('[data-testid="waiting"]').count(), 0, 'retention applies live');
    const view = (await api('/settings')).body.items.find((i: { id: string }) => i.id === 'retentionDays');
    assert.deepEqual([view.value, view.source, view.runningValue, view.restartRequired], [14, 'console', 14, false]);
    await retention.getByLabel('Retention (days)').fill('-3');
    await retention.getByLabel('Retention (days)').press('Enter');
    await retention.locator('.field-message').waitFor();
    assert.match(await retention.locator('.field-message').innerText(), /^retentionDays: /);
    await snap(page, SHOTS, '07-settings');
    const http = page.locator('[data-setting="httpPort"]');
    await http.getByRole('button', { name: "Use the file's value" }).click();
    await http.getByText('config file', { exact: true }).waitFor();
    assert.equal(await http.locator('[data-testid="waiting"]').count(), 0, 'back to the running value');
  });

  it('users: one added, its role changed, disabled; the last admin is kept with the node\'s words', async () => {
    const { page } = admin;
    await open(page, '/users', 'Users');
    await page.getByRole('button', { name: 'Add user' }).click();
    const form = page.getByRole('form', { name: 'New user' });
    await form.getByLabel('User name').fill('carol');
    await form.getByLabel('Password').fill('short');
    await form.getByLabel('Password').press('Enter');
    await form.getByText('password: at least 10 characters').waitFor();
    await form.getByLabel('Password').fill('correct horse battery staple');
    await form.getByLabel('Role').selectOption('operator');
    await form.getByLabel('Password').press('Enter');
    const carol = page.locator('tr[data-user="carol"]');
    await carol.waitFor();
    await carol.getByLabel('Role of carol').selectOption('viewer');
    await carol.getByRole('button', { name: 'Disable' }).click();
    await carol.getByText('disabled', { exact: true }).waitFor();
    const made = (await api('/users')).body.items.find((u: { username: string }) => u.username === 'carol');
    assert.deepEqual([made.role, made.disabled], ['viewer', true]);

    // The API session's admin made an operator: alice (signed in) is the last admin, and stays one.
    const apiAdmin = page.locator(`tr[data-user="${session.username}"]`);
    await apiAdmin.getByLabel(`Role of ${session.username}`).selectOption('operator');
    await page.waitForFunction((name) => document.querySelector<HTMLSelectElement>(`tr[data-user="${name}"] select`)?.value === 'operator', session.username);
    const alice = page.locator('tr[data-user="alice"]');
    await alice.getByLabel('Role of alice').selectOption('operator');
    await page.getByText('the last enabled admin cannot be demoted or disabled').waitFor();
    assert.equal(await alice.getByLabel('Role of alice').inputValue(), 'admin', 'the select shows the role kept');
    await snap(page, SHOTS, '08-users-last-admin');
    await apiAdmin.getByLabel(`Role of ${session.username}`).selectOption('admin');
    await page.waitForFunction((name) => document.querySelector<HTMLSelectElement>(`tr[data-user="${name}"] select`)?.value === 'admin', session.username);
    assert.equal((await api('/users')).status, 200, 'admin again');
  });

  it('tokens: one made with a lower role, its secret shown once and working, then revoked', async () => {
    const { page } = admin;
    await open(page, '/tokens', 'API tokens');
    const form = page.getByRole('form', { name: 'New token' });
    await form.getByLabel('Name').fill('nightly export');
    await form.getByLabel('Role').selectOption('viewer');
    await form.getByLabel('Name').press('Enter');
    const secret = (await page.getByTestId('token-secret').innerText()).trim();
    assert.match(secret, /^sxr_[0-9A-Za-z]{40}$/);
    assert.equal((await api('/destinations', { token: secret })).status, 200, 'the token reads');
    assert.equal((await api('/settings', { token: secret })).status, 403, 'as a viewer');
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: node.httpUrl });
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await snap(page, SHOTS, '09-token-created');
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.getByTestId('token-secret').count(), 0, 'shown once');
    const row = page.locator('tr[data-token="nightly export"]');
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await row.getByText('revoked').waitFor();
    assert.equal((await api('/destinations', { token: secret })).status, 401, 'revoked');
  });

  it('feedback: verdicts tallied per model version', async () => {
    const verdicts = [['1.2.3.4.1', 'accept', '2.0.0'], ['1.2.3.4.2', 'accept', '2.0.0'], ['1.2.3.4.3', 'reject', '2.0.0'], ['1.2.3.4.4', 'reject', '1.0.0']] as const;
    for (const [uid, verdict, version] of verdicts) {
      const r = await api('/feedback', { method: 'POST', body: { seriesInstanceUid: uid, verdict, modelId: 'sharpxr-product', modelVersion: version, reason: verdict === 'reject' ? 'smoothed the lung markings' : undefined } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    const { page } = admin;
    await open(page, '/feedback', 'Feedback');
    const v2 = page.locator('li[data-version="sharpxr-product@2.0.0"]');
    assert.match(await v2.innerText(), /2 accepted · 1 rejected · 67%/);
    await v2.getByRole('button').click();
    await page.waitForURL(/model=sharpxr-product%402\.0\.0|model=sharpxr-product@2\.0\.0/);
    await page.locator('table.verdicts tbody tr').nth(2).waitFor();
    assert.equal(await page.locator('table.verdicts tbody tr').count(), 3);
    await snap(page, SHOTS, '10-feedback');
  });

  it('a viewer sees destinations, rules and feedback read-only; settings and users are closed to them', async () => {
    const viewer = await signIn(browser, node.httpUrl, viewerName, '/destinations');
    const { page } = viewer;
    await page.getByRole('heading', { level: 1, name: 'Destinations' }).waitFor();
    await page.getByText('Read-only: adding, changing and testing destinations needs the operator role.').waitFor();
    for (const name of ['Add destination', 'Test connection', 'Edit', 'Delete']) assert.equal(await page.getByRole('button', { name }).count(), 0, name);
    await snap(page, SHOTS, '11-viewer-destinations');
    await open(page, '/rules', 'Selection rules');
    await page.getByText('Read-only: changing and testing the rules needs the operator role.').waitFor();
    assert.equal(await page.getByRole('textbox').count(), 0, 'no editor');
    assert.equal(await page.getByRole('heading', { name: 'Test against a stored instance' }).count(), 0);
    assert.match(await page.locator('.rule-read').innerText(), /chest-dx: Modality is CR or DX, and Body Part Examined is CHEST/);
    await snap(page, SHOTS, '12-viewer-rules');
    await page.goto('/settings');
    await page.getByText('Settings needs the admin role').waitFor();
    await page.goto('/users');
    await page.getByText('Users needs the admin role').waitFor();
    assert.equal(await page.locator('nav.sidebar').getByText('Settings').count(), 0, 'not offered');
    await open(page, '/tokens', 'API tokens');
    assert.deepEqual(await page.getByLabel('Role').locator('option').allInnerTexts(), ['viewer'], 'a token at most the viewer role');
    await snap(page, SHOTS, '13-viewer-tokens');
    assert.deepEqual(viewer.errors, []);
    assert.deepEqual(admin.errors, []);
  });
});
