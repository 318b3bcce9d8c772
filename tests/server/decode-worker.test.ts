// Decoding in worker threads (DecodePool): the same pixels and header as decoding in the
// caller's thread, the same typed errors, an event loop that stays free while a large JPEG
// 2000 frame decodes, workers replaced when they die, and the compiled JavaScript finding its
// worker entry as well as the TypeScript sources do.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { buildDerived } from '../../server/src/derive/index.js';
import {
  DecodePool, DecodeWorkerError, MalformedDicomError, UnsupportedImageError, UnsupportedTransferSyntaxError,
  decodeInstance, type DecodedInstance,
} from '../../server/src/pipeline/decode/index.js';
import { maxTimerLag, runCompiled } from '../helpers/worker-tests.js';
import { TS, encapsulatedFile, nativeFile, nonImageFile, pixelDiff, seededBytes, type ImageSpec } from './dicom-builders.js';
import { ROOT, tempDir } from './helpers.js';

const FIXTURE = join(ROOT, 'tests', 'fixtures', 'dicom', 'CR-MONO1-10-chest_dcmbench_explicitLE.dcm');
const SHARED = resolve(ROOT, '..', 'shared', 'data', 'dicom');
const HAVE_SHARED = existsSync(SHARED);
const NO_SHARED = `${SHARED} is missing: the shared-file and event-loop checks were NOT run`;
if (!HAVE_SHARED) console.log(`decode-worker.test: ${NO_SHARED}`);
// The 2000x2128 12-bit DX in JPEG 2000 lossless: ~0.7 s of codec time in one synchronous call.
const BIG_J2K = join(SHARED, 'chest', 'DX_chest_966_fixed_J2KR.dcm');
const SHARED_FILES = [
  'chest/DX_chest_966_fixed_J2KR.dcm', 'chest/RG1_J2KI.dcm', 'chest/RG1_JLSN.dcm', 'codecs-wg04/RG2_JPLL.dcm',
  'codecs-wg04/RG3_RLE.dcm', 'codecs-wg04/CR-ModalitySequenceLUT_fodicom_JPLL.dcm', 'transcoded/CR_CHEST_440_10bit_MONO1_DEFL.dcm',
  'transcoded/CR_CHEST_440_10bit_MONO1_IVRLE.dcm',
];
const SPEC: ImageSpec = { width: 64, height: 48, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 0 };
const CLOCK = (): Date => new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6));

/** Everything downstream sees must match: image fields, pixels, and the object derive builds from the header. */
function assertSameDecode(pool: DecodedInstance, local: DecodedInstance, label: string): void {
  const { pixels: pp, ...poolFields } = pool.image;
  const { pixels: lp, ...localFields } = local.image;
  assert.deepEqual(poolFields, localFields, `${label}: image fields`);
  assert.equal(pp.constructor, lp.constructor, `${label}: pixel array type`);
  const d = pixelDiff(pp, lp);
  assert.equal(d.max, 0, `${label}: pixel ${d.firstMismatch} differs`);
  assert.equal(pool.parsed.transferSyntax.uid, local.parsed.transferSyntax.uid);
  assert.equal(pool.parsed.hasMetaHeader, local.parsed.hasMetaHeader);
  const derive = (x: DecodedInstance) => buildDerived({
    source: x.parsed, pixels: x.image.pixels, provenance: { modelName: 'm', modelVersion: '1' }, options: { clock: CLOCK },
  }).bytes;
  assert.ok(Buffer.from(derive(pool)).equals(Buffer.from(derive(local))), `${label}: derived object differs`);
}

async function rejectsLike(pool: DecodePool, bytes: Uint8Array, type: new (...a: never[]) => Error, label: string): Promise<void> {
  const local = await decodeInstance(bytes).then(() => null, (e: Error) => e);
  assert.ok(local instanceof type, `${label}: in-thread decode gave ${local?.name}`);
  await assert.rejects(pool.decode(bytes), (err: unknown) => {
    assert.ok(err instanceof type, `${label}: expected ${type.name}, got ${(err as Error)?.name}`);
    assert.equal((err as Error).name, local.name);
    assert.equal((err as Error).message, local.message);
    return true;
  });
}

describe('DecodePool', () => {
  let pool: DecodePool;
  before(() => {
    pool = new DecodePool({ size: 2 });
  });
  after(() => pool.close());

  it('decodes the fixture exactly as the caller\'s thread does, by path and by bytes', async () => {
    const local = await decodeInstance(FIXTURE);
    assertSameDecode(await pool.decode(FIXTURE), local, 'by path');
    const bytes = readFileSync(FIXTURE);
    assertSameDecode(await pool.decode(bytes), local, 'by bytes (copied)');
    assert.equal(bytes.length, 388286, 'the caller keeps its bytes unless it asks to transfer them');
    const moved = new Uint8Array(bytes); // a buffer of its own, so it can be moved
    assertSameDecode(await pool.decode(moved, { transfer: true }), local, 'by bytes (transferred)');
    assert.equal(moved.byteLength, 0, 'transferred bytes are detached');
  });

  it('decodes shared files of every codec exactly as the caller\'s thread does', { skip: HAVE_SHARED ? false : NO_SHARED }, async () => {
    const paths = SHARED_FILES.map((f) => join(SHARED, f));
    // Two workers at once: results must come back to the right callers.
    const fromPool = await Promise.all(paths.map((p) => pool.decode(p)));
    for (const [i, path] of paths.entries()) assertSameDecode(fromPool[i]!, await decodeInstance(path), path);
  });

  it('rebuilds decode errors as the same classes, names and messages', async () => {
    await rejectsLike(pool, Buffer.from('definitely not DICOM, just some text long enough to look at'), MalformedDicomError, 'text');
    await rejectsLike(pool, nonImageFile(), MalformedDicomError, 'no pixel data');
    await rejectsLike(pool, encapsulatedFile(TS.mpeg2, SPEC, [seededBytes(500, 3)]), UnsupportedTransferSyntaxError, 'MPEG-2');
    await rejectsLike(pool, nativeFile({ ...SPEC, photometric: 'PALETTE COLOR' }, new Uint16Array(64 * 48)), UnsupportedImageError, 'palette');
    await assert.rejects(pool.decode(encapsulatedFile(TS.mpeg2, SPEC, [seededBytes(500, 3)])), (err: unknown) => {
      assert.ok(err instanceof UnsupportedTransferSyntaxError);
      assert.equal(err.transferSyntaxUid, TS.mpeg2);
      return true;
    });
    await assert.rejects(pool.decode(join(ROOT, 'no-such-file.dcm')), (err: unknown) => {
      assert.equal((err as NodeJS.ErrnoException).code, 'ENOENT');
      assert.ok(!(err instanceof MalformedDicomError), 'a missing file is not a malformed one');
      return true;
    });
    assertSameDecode(await pool.decode(FIXTURE), await decodeInstance(FIXTURE), 'after errors');
  });

  it('keeps the event loop responsive while a 2000x2128 JPEG 2000 frame decodes', { skip: HAVE_SHARED ? false : NO_SHARED }, async (t) => {
    await pool.decode(FIXTURE); // workers started and codecs loaded: measure the decode only
    const inThread = await maxTimerLag(() => decodeInstance(BIG_J2K));
    const inPool = await maxTimerLag(() => pool.decode(BIG_J2K));
    t.diagnostic(`in thread: decode ${inThread.result.decodeMs.toFixed(0)} ms, timer lag ${inThread.lag.toFixed(0)} ms; ` +
      `pool: decode ${inPool.result.decodeMs.toFixed(0)} ms (in the worker), timer lag ${inPool.lag.toFixed(0)} ms`);
    assertSameDecode(inPool.result, inThread.result, 'big J2K');
    // A relation, not a fixed budget: only meaningful when the decode is long enough to see.
    if (inThread.result.decodeMs > 300) {
      assert.ok(inThread.lag > inThread.result.decodeMs / 2, 'the in-thread decode should visibly block the timer');
      assert.ok(inPool.lag < inThread.result.decodeMs / 2, `pool lag ${inPool.lag} ms vs decode ${inThread.result.decodeMs} ms`);
    } else {
      t.diagnostic('decode under 300 ms on this machine: responsiveness not asserted');
    }
  });
});

describe('DecodePool: failing workers', () => {
  it('fails the task of a killed worker with DecodeWorkerError and replaces the worker', async () => {
    const workers: Worker[] = [];
    const pool = new DecodePool({ onWorker: (w) => workers.push(w) });
    try {
      // Killed right after the task was posted, long before a worker could answer.
      const pending = pool.decode(FIXTURE);
      await workers[0]!.terminate();
      await assert.rejects(pending, (err: unknown) => err instanceof DecodeWorkerError && /exited/.test(err.message));
      assertSameDecode(await pool.decode(FIXTURE), await decodeInstance(FIXTURE), 'after the crash');
      assert.equal(workers.length, 2);
      assert.equal(pool.stats().replaced, 1);
      // An idle worker dying is replaced too.
      await workers[1]!.terminate();
      assertSameDecode(await pool.decode(FIXTURE), await decodeInstance(FIXTURE), 'after an idle crash');
      assert.equal(workers.length, 3);
    } finally {
      await pool.close();
    }
  });

  it('fails a task past its time limit and replaces the worker', async () => {
    const workers: Worker[] = [];
    const pool = new DecodePool({ taskTimeoutMs: 1, onWorker: (w) => workers.push(w) });
    try {
      await assert.rejects(pool.decode(FIXTURE), (err: unknown) => err instanceof DecodeWorkerError && /longer than 1 ms/.test(err.message));
      for (let i = 0; i < 500 && workers.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(workers.length, 2, 'a replacement worker was started');
      assert.equal(pool.stats().replaced, 1);
    } finally {
      await pool.close();
    }
    await assert.rejects(pool.decode(FIXTURE), (err: unknown) => err instanceof DecodeWorkerError && /closed/.test(err.message));
  });
});

describe('DecodePool from compiled JavaScript', () => {
  const tmp = tempDir('sharpxr-worker-dist-');
  after(() => tmp.cleanup());

  it('finds decode-worker.js beside worker-pool.js and decodes without tsx', async () => {
    const stdout = runCompiled(tmp.dir, ['pipeline/decode/worker-pool.ts', 'pipeline/decode/decode-worker.ts'], (moduleUrl) => [
      `import { DecodePool } from ${moduleUrl('pipeline/decode/worker-pool.js')};`,
      'const pool = new DecodePool();',
      `const r = await pool.decode(${JSON.stringify(FIXTURE)});`,
      'const p = r.image.pixels;',
      'let sum = 0; for (const v of p) sum += v;',
      'console.log(JSON.stringify({ width: r.image.width, height: r.image.height, type: p.constructor.name, sum }));',
      '// No close(): an idle pool must not keep the process alive.',
    ]);
    const local = (await decodeInstance(FIXTURE)).image;
    let sum = 0;
    for (const v of local.pixels) sum += v;
    assert.deepEqual(JSON.parse(stdout), { width: local.width, height: local.height, type: local.pixels.constructor.name, sum });
  });
});
