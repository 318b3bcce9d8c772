// /api/try/* and /api/models/:id/file on the real router, auth and database, with the shipped
// model in a real pipeline child (ModelPool + PipelineWorker, small tiles so the fixtures are
// tiled): who may call what, the errors a person gets for a bad upload (400/415/413/422), and
// the result equal to the node's own pipeline (denoiseImage with ModelRunner) on the same
// image, for a DICOM and a 16-bit PNG; the derived DICOM and PNG downloads; audit rows.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { registerTryRoutes } from '../../server/src/api/routes/try.js';
import type { Database } from '../../server/src/db/index.js';
import { readImage } from '../../server/src/imaging/index.js';
import { decodeInstance } from '../../server/src/pipeline/decode/index.js';
import { denoiseImage } from '../../server/src/pipeline/denoise-image.js';
import { DEFAULT_GUARD } from '../../server/src/pipeline/guard/index.js';
import { ModelRunner } from '../../server/src/pipeline/infer/index.js';
import { ModelPool } from '../../server/src/pipeline/model-pool.js';
import { PipelineWorker } from '../../server/src/pipeline/pipeline-worker.js';
import { ModelRegistry, syncShippedModels, systemAudit } from '../../server/src/registry/index.js';
import { sha256File } from '../../server/src/registry/model-file.js';
import { decodeContainer, type NumericArray } from '../../server/src/try/container.js';
import { TryService } from '../../server/src/try/service.js';
import { storedFromGray, type StoredImage } from '../../server/src/try/steps.js';
import { openMigratedDb, startApiApp, type ApiApp, type Client } from './api-fixture.js';
import { FIXTURE_CR, ROOT, shippedModels, tempDir } from './helpers.js';

const SHIPPED = await shippedModels();
const PNG16 = join(ROOT, 'tests', 'fixtures', 'images', 'cr-mono1-10-chest-16bit.png');
const RUNNER = { providers: ['cpu' as const], threads: 2, tile: 256, overlap: 64, batch: 1 };
const LIMIT = 1024 * 1024;

interface RunMeta {
  kind: string; width: number; height: number; sigma: number;
  guard: { strength: number; k: number; clippedFraction: number }; model: { name: string; tiling: { tile: number } };
}

describe('/api/try', () => {
  const tmp = tempDir('sharpxr-try-api-');
  let app: ApiApp;
  let db: Database;
  let pool: ModelPool;
  let service: TryService;
  let runner: ModelRunner;
  let viewer: Client;
  let operator: Client;
  const dicom = readFileSync(FIXTURE_CR);
  const png16 = readFileSync(PNG16);

  before(async () => {
    db = await openMigratedDb(tmp.dir);
    const registry = new ModelRegistry(db, { modelsDir: join(tmp.dir, 'models'), validate: { threads: 2 } });
    await syncShippedModels(registry, { configuredModelPath: SHIPPED.default.file, audit: systemAudit(db, 'system') });
    pool = new ModelPool({ start: (modelPath) => PipelineWorker.start({ modelPath, runner: RUNNER }) });
    service = new TryService({ registry, pool, guard: DEFAULT_GUARD, tiling: RUNNER });
    app = await startApiApp({ dir: tmp.dir, db, register: (api) => registerTryRoutes(api, { service, uploadLimitBytes: LIMIT }) });
    [viewer, operator] = [await app.as('viewer'), await app.as('operator')];
    runner = await ModelRunner.load(SHIPPED.default.file, RUNNER);
  });
  after(async () => {
    await app?.close();
    await service?.close();
    await pool?.close();
    await runner?.release();
    await db?.$disconnect();
    tmp.cleanup();
  });

  const post = (who: Client, path: string, body: Buffer, type = 'application/octet-stream') =>
    who.fetch(path, { method: 'POST', headers: { 'content-type': type }, body });
  const arrays = async (res: Response) => decodeContainer<RunMeta>(new Uint8Array(await res.arrayBuffer()));

  it('needs a login for everything, and an operator to run the model', async () => {
    const anon = app.anonymous();
    assert.equal((await anon.fetch('/api/try/model')).status, 401);
    assert.equal((await post(anon, '/api/try/decode', dicom)).status, 401);
    assert.equal((await post(anon, '/api/try/denoise', dicom)).status, 401);
    assert.equal((await post(viewer, '/api/try/denoise', dicom)).status, 403);
    const noCsrf = await fetch(`${app.url}/api/try/decode`, { method: 'POST', headers: { cookie: viewer.headers.cookie!, 'content-type': 'application/dicom' }, body: dicom });
    assert.equal(noCsrf.status, 403);
  });

  it("tells the browser the node's model and parameters, and serves the model's bytes", async () => {
    const res = await viewer.fetch('/api/try/model');
    assert.equal(res.status, 200);
    const model = (await res.json()) as { id: string; name: string; tile: number; overlap: number; align: number; guard: { strength: number }; sha256: string };
    assert.deepEqual([model.name, model.sha256], [SHIPPED.default.name, await sha256File(SHIPPED.default.file)]);
    const padMultiple = Number(SHIPPED.default.metadata.pad_multiple);
    assert.deepEqual([model.tile, model.overlap, model.align, model.guard.strength], [256, 64, padMultiple, DEFAULT_GUARD.strength]);
    assert.equal((await app.anonymous().fetch(`/api/models/${model.id}/file`)).status, 401);
    const file = await viewer.fetch(`/api/models/${model.id}/file`);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-type'), 'application/octet-stream');
    const sha = createHash('sha256').update(Buffer.from(await file.arrayBuffer())).digest('hex');
    assert.equal(sha, model.sha256);
    assert.equal((await viewer.fetch('/api/models/nope/file')).status, 404);
  });

  it('says what is wrong with a bad upload', async () => {
    const wrongType = await post(operator, '/api/try/denoise', dicom, 'text/plain');
    assert.equal(wrongType.status, 415);
    assert.match(((await wrongType.json()) as { error: string }).error, /application\/dicom or image\/png/);
    assert.equal((await post(operator, '/api/try/denoise', Buffer.alloc(LIMIT + 1, 1))).status, 413);
    const garbage = await post(operator, '/api/try/denoise', Buffer.from('GIF89a this is not a radiograph'));
    assert.equal(garbage.status, 400);
    assert.match(((await garbage.json()) as { error: string }).error, /not a PNG, JPEG or DICOM file/);
    const cut = await post(operator, '/api/try/decode', dicom.subarray(0, dicom.length - 5000), 'application/dicom');
    assert.equal(cut.status, 400);
    assert.match(((await cut.json()) as { error: string }).error, /^DICOM: truncated/);
    const unknownSyntax = Buffer.from(dicom);
    const at = unknownSyntax.indexOf('1.2.840.10008.1.2.1\0', 0, 'latin1');
    unknownSyntax.write('1.2.840.10008.1.2.99', at, 'latin1');
    const unsupported = await post(operator, '/api/try/denoise', unknownSyntax, 'application/dicom');
    assert.equal(unsupported.status, 422);
    assert.match(((await unsupported.json()) as { error: string }).error, /unknown transfer syntax/);
    assert.equal((await post(operator, '/api/try/denoise?strength=2', dicom)).status, 400);
    assert.equal((await post(operator, '/api/try/denoise?arrays=everything', dicom)).status, 400);
    const pngAsDicom = await post(operator, '/api/try/denoise?output=dicom', png16, 'image/png');
    assert.equal(pngAsDicom.status, 400);
    const failed = await app.db.auditEvent.findFirst({ where: { action: 'try.denoise', outcome: 'failed', actor: operator.username } });
    assert.ok(failed, 'a refused upload is audited');
  });

  for (const [name, bytes, type, decode] of [
    ['DICOM (CR 10-bit MONOCHROME1)', dicom, 'application/dicom', async () => (await decodeInstance(dicom)).image],
    ['16-bit PNG', png16, 'image/png', async () => storedFromGray(await readImage(PNG16))],
  ] as const) {
    it(`gives the node's pipeline result for a ${name}, at the strength asked for`, async (t) => {
      const image: StoredImage = await decode();
      for (const strength of [DEFAULT_GUARD.strength, 0.4]) {
        const res = await post(operator, `/api/try/denoise?strength=${strength}`, bytes, type);
        assert.equal(res.status, 200, await res.clone().text());
        const { meta, arrays: a } = await arrays(res);
        assert.equal(meta.guard.strength, strength);
        assert.equal(meta.model.tiling.tile, 256);
        const node = await denoiseImage(image, runner, { guard: { ...DEFAULT_GUARD, strength } });
        const diff = maxDiff(a.stored!, node.pixels);
        t.diagnostic(`${name} strength ${strength}: max |try - node| ${diff} stored units, clipped ${(meta.guard.clippedFraction * 100).toFixed(2)} %`);
        assert.ok(diff <= 1, `stored values differ by ${diff}`);
        assert.ok(Math.abs(meta.guard.clippedFraction - node.guard.clippedFraction) < 1e-4);
        assert.equal(a.result!.length, image.width * image.height);
        assert.ok(a.guardMap!.every((v) => v >= 0 && v <= 1));
      }
      const none = await arrays(await post(operator, '/api/try/denoise?strength=0&arrays=source,stored', bytes, type));
      assert.deepEqual(Object.keys(none.arrays), ['source', 'stored']);
      assert.equal(maxDiff(none.arrays.stored!, image.pixels), 0, 'strength 0 gives the source back');
    });
  }

  it('downloads the derived DICOM a job would write, and a PNG', async () => {
    const res = await post(operator, '/api/try/denoise?output=dicom', dicom, 'application/dicom');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/dicom');
    const derived = await decodeInstance(new Uint8Array(await res.arrayBuffer()));
    const source = await decodeInstance(dicom);
    const uid = (d: typeof derived, tag: string) => d.parsed.dataset[tag]?.Value?.[0];
    assert.notEqual(uid(derived, '00080018'), uid(source, '00080018'));
    assert.equal(uid(derived, '0020000D'), uid(source, '0020000D'), 'same study');
    assert.match(String(derived.parsed.dataset['00080008']?.Value?.[0]), /DERIVED/);
    const node = await denoiseImage(source.image, runner, { guard: DEFAULT_GUARD });
    assert.ok(maxDiff(derived.image.pixels, node.pixels) <= 1);
    const png = await post(operator, '/api/try/denoise?output=png', png16, 'image/png');
    assert.equal(png.headers.get('content-type'), 'image/png');
    const decoded = PNG.sync.read(Buffer.from(await png.arrayBuffer()), { skipRescale: true });
    assert.deepEqual([decoded.width, decoded.height, decoded.depth], [440, 440, 16]);
  });

  it('decodes for a viewer what the browser cannot, and audits every upload without identifiers', async () => {
    const res = await post(viewer, '/api/try/decode', dicom, 'application/dicom');
    assert.equal(res.status, 200);
    const { meta, arrays: a } = await decodeContainer<{ kind: string; format: { bitsStored: number; photometric: string } }>(new Uint8Array(await res.arrayBuffer()));
    assert.deepEqual([meta.kind, meta.format.bitsStored, meta.format.photometric], ['dicom', 10, 'MONOCHROME1']);
    assert.equal(maxDiff(a.source!, (await decodeInstance(dicom)).image.pixels), 0);
    const rows = await app.db.auditEvent.findMany({ where: { action: { in: ['try.decode', 'try.denoise'] }, outcome: 'ok' } });
    assert.ok(rows.some((r) => r.action === 'try.decode' && r.actor === viewer.username));
    const patientId = String((await decodeInstance(dicom)).parsed.dataset['00100020']?.Value?.[0] ?? '').trim();
    for (const r of rows) {
      const detail = JSON.parse(r.detailJson ?? '{}') as Record<string, unknown>;
      assert.ok(['dicom', 'png'].includes(String(detail.kind)));
      if (patientId) assert.ok(!JSON.stringify(detail).includes(patientId), 'no patient ID in the audit detail');
    }
  });
});

function maxDiff(a: NumericArray, b: NumericArray): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
