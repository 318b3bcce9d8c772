// /viewer/ as the browser meets it: OHIF's files with the right MIME types and cache headers,
// our generated app-config.js, our extension's modules, index.html for app routes but 404 for
// missing files, traversal refused, and a 503 page saying how to install OHIF when it is not.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/orthanc.js';
import { ROOT, tempDir } from './helpers.js';
import { HTML, rawGet, startViewerApp, type ViewerApp } from './viewer-fixture.js';

const INDEX = '<!doctype html><html><head><script src="/viewer/app-config.js"></script></head><body>OHIF-INDEX-MARKER</body></html>';
const BUNDLE = 'app.bundle.0123456789abcdef.js';
const WASM = '89abcdef01234567.wasm';

/** A miniature OHIF dist and extension dist, with a secret file beside them that must never leak. */
function writeDists(dir: string): { ohifDir: string; extensionDir: string } {
  const ohifDir = join(dir, 'ohif');
  const extensionDir = join(dir, 'ext');
  mkdirSync(join(ohifDir, 'assets'), { recursive: true });
  mkdirSync(join(extensionDir, 'panel'), { recursive: true });
  writeFileSync(join(ohifDir, 'index.html'), INDEX);
  writeFileSync(join(ohifDir, BUNDLE), 'console.log("bundle");');
  writeFileSync(join(ohifDir, WASM), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  writeFileSync(join(ohifDir, 'app.bundle.css'), 'body{}');
  // OHIF ships its own app-config.js (pointing at a demo server): ours must win.
  writeFileSync(join(ohifDir, 'app-config.js'), 'window.config = { DECOY: true };');
  writeFileSync(join(ohifDir, '.sharpxr-ohif.json'), '{}');
  writeFileSync(join(extensionDir, 'index.js'), 'export default { id: "sharpxr" };');
  writeFileSync(join(extensionDir, 'mode.js'), 'export default { id: "sharpxr-compare" };');
  writeFileSync(join(extensionDir, 'panel', 'panel.js'), 'export const panel = 1;');
  writeFileSync(join(dir, 'secret.txt'), 'TOPSECRET');
  return { ohifDir, extensionDir };
}

describe('/viewer/ static serving', () => {
  const tmp = tempDir('sharpxr-viewer-http-');
  let app: ViewerApp;
  let dists: { ohifDir: string; extensionDir: string };

  before(async () => {
    dists = writeDists(tmp.dir);
    // The PACS is not needed here; a port nobody listens on shows nothing reaches it.
    app = await startViewerApp({ dir: tmp.dir, viewer: { ...dists, dicomWebUrl: `http://127.0.0.1:${await freePort()}/dicom-web` } });
  });
  after(async () => {
    await app?.close();
    tmp.cleanup();
  });

  it('shows the viewer, its API and DICOMweb only after a login', async () => {
    const page = await fetch(`${app.url}/viewer/sharpxr-compare?StudyInstanceUIDs=1.2.3`, { headers: HTML, redirect: 'manual' });
    assert.equal(page.status, 302, 'a browser is sent to the login screen');
    assert.equal(page.headers.get('location'), `/login?next=${encodeURIComponent('/viewer/sharpxr-compare?StudyInstanceUIDs=1.2.3')}`);
    for (const path of ['/viewer/app-config.js', '/dicom-web/studies', '/api/feedback', '/api/viewer/studies']) {
      assert.equal((await fetch(`${app.url}${path}`)).status, 401, path);
    }
    const forged = await fetch(`${app.url}/viewer/`, { headers: { cookie: 'sharpxr_session=forged-session-secret' }, redirect: 'manual' });
    assert.equal(forged.status, 401);
    assert.equal((await app.fetch('/viewer/app-config.js')).status, 200);
  });

  it('redirects /viewer to /viewer/ and serves index.html there, not cached', async () => {
    const bare = await rawGet(app.port, '/viewer?x=1', app.auth);
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.location, '/viewer/?x=1');
    const res = await app.fetch(`/viewer/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.equal(await res.text(), INDEX);
  });

  it('answers app routes with index.html (SPA fallback)', async () => {
    for (const route of ['/viewer/sharpxr-compare?StudyInstanceUIDs=1.2.840.113619.2.55.3', '/viewer/viewer/1.2.3.4', '/viewer/local']) {
      const res = await app.fetch(`${route}`);
      assert.equal(res.status, 200, route);
      assert.equal(res.headers.get('cache-control'), 'no-cache', route);
      assert.equal(await res.text(), INDEX, route);
    }
  });

  it('generates app-config.js: our extension and mode, DICOMweb on the page origin, the API root', async () => {
    const res = await app.fetch(`/viewer/app-config.js`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const source = await res.text();
    assert.doesNotMatch(source, /DECOY/);
    // Run it as the browser would, on an origin that is not the one the test connected to.
    const window: { location: { origin: string }; config?: Record<string, any> } = { location: { origin: 'https://pacs-viewer.example:8443' } };
    runInNewContext(source, { window });
    // Out of the vm's realm: its arrays fail deepStrictEqual against ours on prototype alone.
    const config = JSON.parse(JSON.stringify(window.config)) as Record<string, any>;
    assert.equal(config.routerBasename, '/viewer');
    assert.deepEqual(config.extensions, ['/viewer/sharpxr/index.js']);
    assert.deepEqual(config.modes, ['/viewer/sharpxr/mode.js']);
    assert.deepEqual(config.sharpxr, { apiRoot: '/api' });
    assert.equal(config.defaultDataSourceName, 'dicomweb');
    const source0 = config.dataSources[0];
    assert.equal(source0.namespace, '@ohif/extension-default.dataSourcesModule.dicomweb');
    for (const key of ['qidoRoot', 'wadoRoot', 'wadoUriRoot']) assert.equal(source0.configuration[key], 'https://pacs-viewer.example:8443/dicom-web', key);
  });

  it('serves OHIF files with their MIME type; hashed ones cacheable for good, the rest revalidated', async () => {
    const cases = [
      { path: BUNDLE, type: /^text\/javascript/, cache: 'public, max-age=31536000, immutable' },
      { path: WASM, type: /^application\/wasm$/, cache: 'public, max-age=31536000, immutable' },
      { path: 'app.bundle.css', type: /^text\/css/, cache: 'no-cache' },
    ];
    for (const c of cases) {
      const res = await app.fetch(`/viewer/${c.path}`);
      assert.equal(res.status, 200, c.path);
      assert.match(res.headers.get('content-type') ?? '', c.type, c.path);
      assert.equal(res.headers.get('cache-control'), c.cache, c.path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', c.path);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), readFileSync(join(dists.ohifDir, c.path)), c.path);
    }
  });

  it('serves the extension as ES modules at /viewer/sharpxr/', async () => {
    for (const path of ['index.js', 'mode.js', 'panel/panel.js']) {
      const res = await app.fetch(`/viewer/sharpxr/${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/, path);
      assert.equal(res.headers.get('cache-control'), 'no-cache', path);
      assert.equal(await res.text(), readFileSync(join(dists.extensionDir, path), 'utf8'), path);
    }
  });

  it('answers 404, not index.html, for missing files, dotfiles included', async () => {
    for (const path of ['/viewer/missing.bundle.0123456789abcdef.js', '/viewer/nope.wasm', '/viewer/assets/x.png', '/viewer/sharpxr/missing.js', '/viewer/sharpxr/', '/viewer/.sharpxr-ohif.json']) {
      const res = await app.fetch(`${path}`);
      assert.equal(res.status, 404, path);
      assert.doesNotMatch(await res.text(), /OHIF-INDEX-MARKER/, path);
    }
  });

  it('refuses path traversal with 400, in /viewer and /dicom-web, and leaks nothing', async () => {
    const attempts = [
      '/viewer/../secret.txt', '/viewer/%2e%2e/secret.txt', '/viewer/sharpxr/../../secret.txt', '/viewer/..%2fsecret.txt',
      '/viewer/..%5csecret.txt', '/viewer/sharpxr/%2E%2E/%2E%2E/secret.txt', '/viewer/%c0%ae%c0%ae/secret.txt',
      '/dicom-web/..%2f..%2fsystem', '/dicom-web/studies/../../tools/reset',
    ];
    for (const path of attempts) {
      const res = await rawGet(app.port, path, app.auth);
      assert.equal(res.status, 400, `${path}: ${res.body}`);
      assert.doesNotMatch(res.body, /TOPSECRET/, path);
      assert.match(String(res.headers['content-type']), /^application\/json/, path);
    }
    // Double encoding decodes once to a harmless literal name: not found, and nothing leaks.
    const double = await rawGet(app.port, '/viewer/%252e%252e/secret.txt', app.auth);
    assert.equal(double.status, 404);
    assert.doesNotMatch(double.body, /TOPSECRET/);
  });

  it('gives browsers an HTML error page and API clients JSON', async () => {
    const page = await rawGet(app.port, '/viewer/../secret.txt', { ...HTML, ...app.auth });
    assert.equal(page.status, 400);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /<h1>400 path: &quot;\.&quot; and &quot;\.\.&quot; segments are not allowed<\/h1>/);
    const api = await app.fetch(`/api/no-such-route`, { headers: HTML });
    assert.equal(api.status, 404);
    assert.deepEqual(await api.json(), { error: 'no API route GET /api/no-such-route' });
    const other = await app.fetch(`/nowhere`);
    assert.equal(other.status, 404);
    assert.deepEqual(await other.json(), { error: 'no route GET /nowhere' });
  });

  it('answers 405 to methods other than GET and HEAD', async () => {
    const res = await app.fetch(`/viewer/sharpxr-compare`, { method: 'POST' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
  });
});

describe('/viewer/ before scripts/setup-viewer.sh has run', () => {
  const tmp = tempDir('sharpxr-viewer-missing-');
  let app: ViewerApp;

  before(async () => {
    mkdirSync(join(tmp.dir, 'empty'));
    app = await startViewerApp({ dir: tmp.dir, viewer: { ohifDir: 'empty', extensionDir: 'no-ext' } });
  });
  after(async () => {
    await app?.close();
    tmp.cleanup();
  });

  it('answers 503 with a page that says how to install OHIF', async () => {
    for (const path of ['/viewer/', '/viewer/sharpxr-compare?StudyInstanceUIDs=1.2.3', `/viewer/${BUNDLE}`]) {
      const res = await app.fetch(`${path}`, { headers: HTML });
      assert.equal(res.status, 503, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/, path);
      assert.equal(res.headers.get('cache-control'), 'no-store', path);
      const body = await res.text();
      assert.match(body, /the OHIF viewer is not installed/, path);
      assert.match(body, /<code>bash scripts\/setup-viewer\.sh<\/code>/, path);
    }
    assert.ok(app.logs.some((l) => l.level === 'warn' && /OHIF is not installed/.test(String(l.msg))), 'the node warns at start');
  });

  it('still serves app-config.js, and says the extension is not built', async () => {
    assert.equal((await app.fetch(`/viewer/app-config.js`)).status, 200);
    const ext = await app.fetch(`/viewer/sharpxr/index.js`);
    assert.equal(ext.status, 503);
    assert.match(await ext.text(), /viewer extension not built/);
  });
});

const REAL_OHIF = join(ROOT, 'viewer-extension', 'ohif');

describe('/viewer/ with the OHIF dist setup-viewer.sh installed', { skip: existsSync(join(REAL_OHIF, 'index.html')) ? false : `${REAL_OHIF} not installed (bash scripts/setup-viewer.sh)` }, () => {
  const tmp = tempDir('sharpxr-viewer-real-');
  let app: ViewerApp;

  before(async () => {
    app = await startViewerApp({ dir: tmp.dir });
  });
  after(async () => {
    await app?.close();
    tmp.cleanup();
  });

  it('serves index.html relocated to /viewer/ and every script it loads as JavaScript', async () => {
    const index = await (await app.fetch(`/viewer/sharpxr-compare?StudyInstanceUIDs=1.2.3`)).text();
    assert.match(index, /window\.PUBLIC_URL="\/viewer\/"/);
    const scripts = [...index.matchAll(/<script[^>]* src="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(scripts.includes('/viewer/app-config.js'), scripts.join(' '));
    assert.ok(scripts.some((s) => /app\.bundle\.[0-9a-f]{16}\.js$/.test(s)), scripts.join(' '));
    for (const src of scripts) {
      const res = await app.fetch(`${src}`);
      // Read to the end: an unread body keeps the connection busy and close() waiting.
      const size = (await res.arrayBuffer()).byteLength;
      assert.equal(res.status, 200, src);
      assert.ok(size > 0, src);
      assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/, src);
      if (/\.[0-9a-f]{16}\.js$/.test(src)) assert.match(res.headers.get('cache-control') ?? '', /immutable/, src);
      else assert.equal(res.headers.get('cache-control'), 'no-cache', src);
    }
  });

  it('serves the stylesheet with its font URLs under /viewer/, and the fonts', async () => {
    const css = await (await app.fetch(`/viewer/app.bundle.css`)).text();
    const urls = [...css.matchAll(/url\(([^)]+)\)/g)].map((m) => m[1]!.replace(/^["']|["']$/g, '')).filter((u) => !u.startsWith('data:'));
    assert.ok(urls.length > 0, 'the stylesheet names its fonts');
    for (const url of new Set(urls)) {
      assert.ok(url.startsWith('/viewer/'), url);
      const res = await app.fetch(`${url}`);
      assert.equal(res.status, 200, url);
      await res.arrayBuffer();
    }
  });
});
