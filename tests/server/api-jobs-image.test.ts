// GET /api/jobs/:id/image on the real router, auth, queue and image renderer (its worker
// thread): sources received by storescu (the committed CR as sent, and a JPEG-LS lossless copy
// without a VOI window) and a derived object the shipped model really produced. The headers
// say what DCMTK reads from the files, the window is the file's or the 0.5/99.5 % percentiles
// (computed here by sorting), the bytes are what the node's decoder gives for the same file
// (and a lossless copy decodes to the original's words); deleted files are 404, undecodable
// ones 422; every image served is audited as patient.view.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listAudit } from '../../server/src/db/index.js';
import { decodeInstance, inThreadDecoder, initDecoders } from '../../server/src/pipeline/decode/index.js';
import { ModelRunner } from '../../server/src/pipeline/infer/index.js';
import { describeModel } from '../../server/src/pipeline/model-info.js';
import { processInstance } from '../../server/src/pipeline/process-instance.js';
import { writeDerived } from '../../server/src/pipeline/write-derived.js';
import { HAVE_DCMTK } from '../helpers/dcmtk.js';
import type { Client } from './api-fixture.js';
import { call, errorOf, finish, fixtureCopy, jobOf, startOpsApp, type OpsApp } from './api-jobs-fixture.js';
import { dcmtk, headerByDcmdump } from './dicom-builders.js';
import { tempDir, testModelPath } from './helpers.js';

interface Served {
  readonly headers: Headers;
  readonly bytes: Buffer;
}

describe('job image API', { skip: !HAVE_DCMTK && 'DCMTK is not installed' }, () => {
  const tmp = tempDir('sharpxr-api-image-');
  let ops: OpsApp;
  let viewer: Client;
  const ids = { native: '', jpegls: '', broken: '', purged: '' };
  const paths = { native: '', jpegls: '', derived: '' };

  before(async () => {
    await initDecoders();
    ops = await startOpsApp(tmp.dir);
    viewer = await ops.app.as('viewer');
    const native = fixtureCopy(tmp.dir);
    // JPEG-LS lossless, and no VOI window: the renderer falls back to percentiles.
    const jpegls = fixtureCopy(tmp.dir);
    dcmtk('dcmodify', ['-nb', '-e', '(0028,1050)', '-e', '(0028,1051)', jpegls.path]);
    dcmtk('dcmcjpls', [jpegls.path, `${jpegls.path}.jls`]);
    const [broken, purged] = [fixtureCopy(tmp.dir), fixtureCopy(tmp.dir)];
    await ops.send([native.path, `${jpegls.path}.jls`, broken.path, purged.path]);
    ids.native = (await jobOf(ops.db, native.sop)).id;
    ids.jpegls = (await jobOf(ops.db, jpegls.sop)).id;
    ids.broken = (await jobOf(ops.db, broken.sop)).id;
    ids.purged = (await jobOf(ops.db, purged.sop)).id;
    paths.native = await stored(ids.native);
    paths.jpegls = await stored(ids.jpegls);
    assert.match(dcmtk('dcmdump', ['-q', '+P', '0002,0010', paths.jpegls]), /JPEGLSLossless/, 'stored as received, JPEG-LS');
    // The shipped model really denoises the received file; the job finishes with its object.
    const runner = await ModelRunner.load(testModelPath(), { providers: ['cpu'] });
    try {
      const result = await processInstance({ path: paths.native }, { decoder: inThreadDecoder, model: describeModel(runner), derive: { aeTitle: 'SHARPXR' } });
      paths.derived = await writeDerived(ops.derivedDir, result.derived);
    } finally {
      await runner.release();
    }
    await finish(ops.queue, ids.native, { derivedPath: paths.derived });
    // A received file cut short (a disk fault), and one retention deleted.
    const brokenPath = await stored(ids.broken);
    truncateSync(brokenPath, Math.floor(readFileSync(brokenPath).length * 0.6));
    const purgedRow = await ops.db.instance.findFirstOrThrow({ where: { jobs: { some: { id: ids.purged } } } });
    rmSync(purgedRow.path);
    await ops.db.instance.update({ where: { id: purgedRow.id }, data: { purgedAt: new Date() } });
  });
  after(async () => {
    await ops?.close();
    tmp.cleanup();
  });

  async function stored(jobId: string): Promise<string> {
    return (await ops.db.instance.findFirstOrThrow({ where: { jobs: { some: { id: jobId } } } })).path;
  }

  async function image(jobId: string, which: 'source' | 'derived', client = viewer): Promise<Served> {
    const res = await client.fetch(`/api/jobs/${jobId}/image?which=${which}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(res.status, 200, `${jobId} ${which}: ${bytes.toString('utf8', 0, 300)}`);
    return { headers: res.headers, bytes };
  }

  /** What the node's decoder gives for the file, and what DCMTK reads from its header. */
  async function reference(path: string) {
    const { image: decoded } = await decodeInstance(path);
    const px = decoded.pixels;
    return { decoded, bytes: Buffer.from(px.buffer, px.byteOffset, px.byteLength), header: headerByDcmdump(path) };
  }

  function assertHeaders(h: Headers, ref: Awaited<ReturnType<typeof reference>>, bytes: number): void {
    assert.equal(h.get('content-type'), 'application/octet-stream');
    assert.equal(h.get('cache-control'), 'private, no-store');
    assert.deepEqual(
      [h.get('x-image-width'), h.get('x-image-height'), h.get('x-bits-stored'), h.get('x-photometric')],
      [String(ref.header.columns), String(ref.header.rows), String(ref.header.bitsStored), ref.header.photometric],
    );
    assert.equal(h.get('x-pixel-representation'), String(ref.decoded.pixelRepresentation));
    assert.equal(bytes, ref.header.columns * ref.header.rows * 2, '16-bit words, one per pixel');
  }

  it('serves the received radiograph at full bit depth with the file\'s window', async () => {
    const served = await image(ids.native, 'source');
    const ref = await reference(paths.native);
    assertHeaders(served.headers, ref, served.bytes.length);
    assert.ok(served.bytes.equals(ref.bytes), 'the words the node\'s decoder reads');
    // The committed file is explicit little endian: its Pixel Data value is those bytes too.
    const file = readFileSync(paths.native);
    assert.ok(file.subarray(file.length - served.bytes.length).equals(served.bytes), 'and the file\'s own Pixel Data');
    assert.deepEqual([served.headers.get('x-window-center'), served.headers.get('x-window-width'), served.headers.get('x-window-source')], ['550', '1024', 'file']);
    assert.deepEqual([served.headers.get('x-rescale-slope'), served.headers.get('x-rescale-intercept')], ['1', '0']);
    const words = new Uint16Array(served.bytes.buffer, served.bytes.byteOffset, served.bytes.length / 2);
    assert.ok(words.reduce((m, v) => Math.max(m, v), 0) < 1024, '10 bits stored');
  });

  it('decodes a JPEG-LS source to the same words, windowed by its percentiles', async () => {
    const served = await image(ids.jpegls, 'source');
    const ref = await reference(paths.jpegls);
    assertHeaders(served.headers, ref, served.bytes.length);
    assert.ok(served.bytes.equals(ref.bytes));
    assert.ok(served.bytes.equals((await image(ids.native, 'source')).bytes), 'lossless: the original\'s words');
    const sorted = [...new Uint16Array(served.bytes.buffer, served.bytes.byteOffset, served.bytes.length / 2)].sort((a, b) => a - b);
    const lo = sorted[Math.floor(0.005 * (sorted.length - 1))]!;
    const hi = sorted[Math.floor(0.995 * (sorted.length - 1))]!;
    assert.equal(served.headers.get('x-window-source'), 'percentiles');
    assert.equal(Number(served.headers.get('x-window-width')), hi - lo + 1);
    assert.equal(Number(served.headers.get('x-window-center')), (lo + hi + 1) / 2);
  });

  it('serves the derived object the model produced, and audits each view', async () => {
    const served = await image(ids.native, 'derived');
    const ref = await reference(paths.derived);
    assertHeaders(served.headers, ref, served.bytes.length);
    assert.ok(served.bytes.equals(ref.bytes), 'the derived file\'s words');
    assert.ok(!served.bytes.equals((await image(ids.native, 'source')).bytes), 'denoised: not the source\'s words');
    const views = await listAudit(ops.db, { action: 'patient.view', subject: `job:${ids.native}` });
    assert.ok(views.length >= 2);
    assert.ok(views.every((v) => v.actor === viewer.username && v.ip));
    assert.deepEqual(new Set(views.map((v) => JSON.parse(v.detailJson!).image)), new Set(['source', 'derived']));
  });

  it('answers 404 for files no longer on disk and jobs without a derived image', async () => {
    assert.match(errorOf(await call(viewer, `/api/jobs/${ids.purged}/image?which=source`, 404)), /deleted by retention/);
    assert.match(errorOf(await call(viewer, `/api/jobs/${ids.jpegls}/image?which=derived`, 404)), /has no derived image \(it is queued\)/);
    const kept = join(tmp.dir, 'derived-kept.dcm');
    copyFileSync(paths.derived, kept);
    rmSync(paths.derived);
    assert.match(errorOf(await call(viewer, `/api/jobs/${ids.native}/image?which=derived`, 404)), /no longer on disk/);
    copyFileSync(kept, paths.derived);
    await image(ids.native, 'derived');
    assert.match(errorOf(await call(viewer, '/api/jobs/nope/image?which=source', 404)), /no job nope/);
  });

  it('answers 422 for a file that does not decode, and audits no view of it', async () => {
    assert.match(errorOf(await call(viewer, `/api/jobs/${ids.broken}/image?which=source`, 422)), /^cannot decode the image: /);
    assert.deepEqual(await listAudit(ops.db, { action: 'patient.view', subject: `job:${ids.broken}` }), []);
  });

  it('needs a login and a known image kind', async () => {
    assert.equal((await ops.app.anonymous().fetch(`/api/jobs/${ids.native}/image?which=source`)).status, 401);
    assert.match(errorOf(await call(viewer, `/api/jobs/${ids.native}/image?which=both`, 400)), /which/);
    assert.match(errorOf(await call(viewer, `/api/jobs/${ids.native}/image`, 400)), /which/);
  });
});
