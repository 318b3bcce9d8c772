// The console at / as a browser meets it: index.html for its page URLs (so links and reloads
// work), hashed assets cached for good, a missing asset a 404 (never HTML in its place), the
// node's own prefixes left to their routers, the isolation and CSP headers Try-it needs, and a
// 503 page saying how to build the console when it is not built.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { consoleStatic } from '../../server/src/console/static.js';
import { startApiApp, type ApiApp } from '../server/api-fixture.js';
import { tempDir } from '../server/helpers.js';

const INDEX = '<!doctype html><html><body><div id="root"></div>CONSOLE-INDEX</body></html>';
const ASSET = 'index-BR86hsyH.js';

describe('console static serving', () => {
  const tmp = tempDir('sharpxr-console-static-');
  let app: ApiApp;
  let unbuilt: ApiApp;

  before(async () => {
    const dist = join(tmp.dir, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), INDEX);
    writeFileSync(join(dist, 'assets', ASSET), 'console.log(1)');
    app = await startApiApp({ dir: join(tmp.dir, 'a'), mounts: () => [{ path: '/', handler: consoleStatic(dist) }] });
    unbuilt = await startApiApp({ dir: join(tmp.dir, 'b'), mounts: () => [{ path: '/', handler: consoleStatic(join(tmp.dir, 'nothing-here')) }] });
  });
  after(async () => {
    await app?.close();
    await unbuilt?.close();
    tmp.cleanup();
  });

  it('answers every page URL with index.html, without a login, isolated and with a CSP', async () => {
    for (const path of ['/', '/login?next=%2Fjobs%2F4', '/studies', '/jobs/abc', '/training/run-1']) {
      const res = await app.anonymous().fetch(path);
      assert.equal(res.status, 200, path);
      assert.match(await res.text(), /CONSOLE-INDEX/, path);
      assert.equal(res.headers.get('cache-control'), 'no-cache', path);
    }
    const res = await app.anonymous().fetch('/studies');
    assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /'unsafe-eval'/, 'no plain unsafe-eval');
  });

  it('serves hashed assets for good and 404s a missing one', async () => {
    const asset = await app.anonymous().fetch(`/assets/${ASSET}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const missing = await app.anonymous().fetch('/assets/index-gone1234.js');
    assert.equal(missing.status, 404);
    assert.doesNotMatch(await missing.text(), /CONSOLE-INDEX/);
  });

  it('leaves the API, the viewer and the probes to their own routers', async () => {
    const api = await app.anonymous().fetch('/api/no-such-route');
    assert.notEqual(api.status, 200);
    assert.doesNotMatch(await api.text(), /CONSOLE-INDEX/);
    assert.equal((await app.anonymous().fetch('/api/auth/state')).status, 200);
    for (const path of ['/viewer/', '/dicom-web/studies', '/metrics-not']) {
      const res = await app.anonymous().fetch(path);
      const body = await res.text();
      if (path === '/metrics-not') assert.match(body, /CONSOLE-INDEX/, 'only the exact prefixes are the node\'s');
      else assert.doesNotMatch(body, /CONSOLE-INDEX/, path);
    }
    const post = await app.anonymous().fetch('/studies', { method: 'POST' });
    assert.equal(post.status, 404);
  });

  it('says how to build the console when it is not built', async () => {
    const res = await unbuilt.anonymous().fetch('/studies', { headers: { accept: 'text/html' } });
    assert.equal(res.status, 503);
    assert.match(await res.text(), /npm run build/);
    assert.equal((await unbuilt.anonymous().fetch('/api/auth/state')).status, 200, 'the API works meanwhile');
  });
});
