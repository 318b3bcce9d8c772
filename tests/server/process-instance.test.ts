// The per-instance processing stage with the shipped model on the committed chest CR: the
// derived object is a valid, clearly derived DICOM object in the source's study, its UIDs (and
// with a fixed clock its every byte) are the same on every run, the UIDs follow exactly the
// parameters that change pixels, and the guard's flag reaches the series description.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  SECONDARY_CAPTURE_SOP_CLASS, buildDerived, canonicalJson, pixelDataBytes, derivedSeriesInstanceUid, derivedSopInstanceUid,
} from '../../server/src/derive/index.js';
import {
  MalformedDicomError, UnsupportedImageError, decodePixels, inThreadDecoder, parseDicom,
} from '../../server/src/pipeline/decode/index.js';
import { dcmtk, nativeFile } from './dicom-builders.js';
import { DEFAULT_GUARD, GuardError } from '../../server/src/pipeline/guard/index.js';
import { ModelRunner } from '../../server/src/pipeline/infer/index.js';
import { describeModel, type DescribedDenoiser } from '../../server/src/pipeline/model-info.js';
import {
  denoiseInstance, deriveInstance, processInstance, type ProcessInstanceDeps,
} from '../../server/src/pipeline/process-instance.js';
import { processingParams, processingParamsHash } from '../../server/src/pipeline/process-params.js';
import { writeDerived } from '../../server/src/pipeline/write-derived.js';
import { NO_DCIODVFY, compareComplaints, dciodvfyErrors, haveTool } from './derive-helpers.js';
import { ROOT, tempDir, testModelPath } from './helpers.js';

const FIXTURE = join(ROOT, 'tests', 'fixtures', 'dicom', 'CR-MONO1-10-chest_dcmbench_explicitLE.dcm');
const CLOCK = (): Date => new Date(Date.UTC(2025, 5, 1, 12, 30, 15, 250));

/** First value of a tag in a parsed data set, as text. */
function text(bytes: Uint8Array, tag: string): string {
  const v = parseDicom(bytes).dataset[tag]?.Value?.[0];
  return typeof v === 'string' ? v.replace(/[\0 ]+$/, '') : String(v);
}

describe('processInstance (shipped model, committed CR fixture)', () => {
  const tmp = tempDir('sharpxr-process-');
  let runner: ModelRunner;
  let model: DescribedDenoiser;
  let deps: ProcessInstanceDeps;
  const source = readFileSync(FIXTURE);

  before(async () => {
    runner = await ModelRunner.load(testModelPath(), { providers: ['cpu'] });
    model = describeModel(runner);
    deps = { decoder: inThreadDecoder, model, derive: { clock: CLOCK, aeTitle: 'SHARPXR' } };
  });
  after(async () => {
    await runner?.release();
    tmp.cleanup();
  });

  it('derives a valid object in the source study, with new UIDs and every stage timed', async (t) => {
    const r = await processInstance({ path: FIXTURE }, deps);
    const out = r.derived;
    assert.equal(text(out.bytes, '0020000D'), text(source, '0020000D'));
    assert.equal(out.studyInstanceUid, text(source, '0020000D'));
    assert.notEqual(out.seriesInstanceUid, text(source, '0020000E'));
    assert.notEqual(out.sopInstanceUid, text(source, '00080018'));
    assert.equal(text(out.bytes, '00080018'), out.sopInstanceUid);
    assert.equal(text(out.bytes, '0020000E'), out.seriesInstanceUid);
    assert.equal(out.sopClassUid, text(source, '00080016'));
    assert.match(text(out.bytes, '00080008'), /^DERIVED/);
    assert.match(text(out.bytes, '0008103E'), new RegExp(`DENOISED ${model.info.modelVersion}$`));
    const back = await decodePixels(out.bytes);
    assert.equal(back.transferSyntaxUid, out.transferSyntaxUid);
    assert.deepEqual([back.width, back.height, back.bitsStored, back.photometric], [440, 440, 10, 'MONOCHROME1']);
    assert.equal(r.guard.flagged, r.guard.clippedFraction > DEFAULT_GUARD.maxClippedFraction);
    for (const [stage, ms] of Object.entries(r.timings)) assert.ok(Number.isFinite(ms) && ms >= 0, `${stage}: ${ms}`);
    assert.ok(r.timings.totalMs >= r.timings.inferMs);
    t.diagnostic(`guard: clipped ${(100 * r.guard.clippedFraction).toFixed(2)} %, max change ${r.guard.maxChangeStored?.toFixed(1)} stored; ` +
      `timings ${JSON.stringify(Object.fromEntries(Object.entries(r.timings).map(([k, v]) => [k, Math.round(v)])))}`);
  });

  it('writes the guard\'s own figures, in stored units, and the provenance into the private block', async () => {
    const r = await processInstance({ path: FIXTURE }, deps);
    const ds = parseDicom(r.derived.bytes).dataset;
    const value = (tag: string): unknown => ds[tag]?.Value?.[0];
    const g = r.guard;
    assert.equal(value('00711001'), g.clippedFraction);
    assert.equal(value('00711002'), g.maxChangeStored);
    assert.equal(String(value('00711003')).trim(), g.flagged ? 'YES' : 'NO');
    assert.deepEqual([value('00711004'), value('00711005'), value('00711006'), value('00711007')], [g.maxClippedFraction, g.sigmaStored, g.k, g.strength]);
    // The fixture's window spans hundreds of stored values: stored units are not model units.
    assert.ok(g.sigmaStored! > 100 * g.sigma && g.maxChangeStored! > 100 * g.maxChange, JSON.stringify(g));
    assert.deepEqual([value('00711008'), value('00711009')], [model.info.modelId, model.info.modelVersion]);
    assert.equal(String(value('0071100A')).trimEnd(), canonicalJson(r.params));
  });

  it('dciodvfy reports no error the source does not have', async (t) => {
    assert.ok(haveTool('dciodvfy'), NO_DCIODVFY);
    const r = await processInstance({ path: FIXTURE }, deps);
    const file = join(tmp.dir, 'derived.dcm');
    writeFileSync(file, r.derived.bytes);
    const { inherited, ours } = compareComplaints(dciodvfyErrors(FIXTURE), dciodvfyErrors(file));
    for (const line of inherited) t.diagnostic(`inherited from the source: ${line}`);
    assert.deepEqual(ours, []);
  });

  it('is byte-identical on every run with a fixed clock', async () => {
    const first = await processInstance({ path: FIXTURE }, deps);
    const second = await processInstance({ path: FIXTURE }, deps);
    assert.ok(Buffer.from(second.derived.bytes).equals(Buffer.from(first.derived.bytes)), 'derived files differ');
    assert.equal(second.paramsHash, first.paramsHash);
  });

  it('makes UIDs from the source, model and pixel-changing parameters only, as derive and the queue do', async () => {
    const base = await denoiseInstance({ path: FIXTURE }, deps);
    const params = processingParams(deps);
    assert.deepEqual(base.params, params);
    assert.equal(base.paramsHash, createHash('sha256').update(canonicalJson(params)).digest('hex'));
    const key = { modelName: model.info.modelId, modelVersion: model.info.modelVersion, params: { ...params }, sopClassUid: text(source, '00080016') };
    const { derived } = deriveInstance(base, deps.derive);
    assert.equal(derived.sopInstanceUid, derivedSopInstanceUid(text(source, '00080018'), key));
    assert.equal(derived.seriesInstanceUid, derivedSeriesInstanceUid(text(source, '0020000E'), key));
    // Header-only options re-label the same derivation.
    const relabelled = deriveInstance(base, { ...deps.derive, seriesNumberOffset: 7, descriptionSuffix: ' NR', notForDiagnosticUse: false }).derived;
    assert.equal(relabelled.sopInstanceUid, derived.sopInstanceUid);
    // Explicit defaults are the defaults; a different strength is a new derivation.
    assert.equal(processingParamsHash(processingParams({ ...deps, guard: { ...DEFAULT_GUARD }, window: { tail: 0.001 } })), base.paramsHash);
    const weaker = await processInstance({ path: FIXTURE }, { ...deps, guard: { ...DEFAULT_GUARD, strength: 0.5 } });
    assert.notEqual(weaker.paramsHash, base.paramsHash);
    assert.notEqual(weaker.derived.sopInstanceUid, derived.sopInstanceUid);
    assert.notEqual(weaker.derived.seriesInstanceUid, derived.seriesInstanceUid);
  });

  it('marks a guard-flagged image "GUARD" without changing its UIDs, and derives Secondary Capture from the same inference', async () => {
    const plain = await denoiseInstance({ path: FIXTURE }, deps);
    assert.ok(plain.guard.clippedFraction > 0, 'the fixture should clip some pixels at the default bound');
    // A threshold of 0 flags any clipping; it decides the flag, not the pixels.
    const strict = await denoiseInstance({ path: FIXTURE }, { ...deps, guard: { ...DEFAULT_GUARD, maxClippedFraction: 0 } });
    assert.equal(strict.guard.flagged, true);
    const flagged = deriveInstance(strict, deps.derive).derived;
    assert.match(text(flagged.bytes, '0008103E'), / GUARD$/);
    assert.equal(flagged.sopInstanceUid, deriveInstance(plain, deps.derive).derived.sopInstanceUid);
    const sc = deriveInstance(plain, { ...deps.derive, secondaryCapture: true }).derived;
    assert.equal(sc.sopClassUid, SECONDARY_CAPTURE_SOP_CLASS);
    assert.notEqual(sc.sopInstanceUid, deriveInstance(plain, deps.derive).derived.sopInstanceUid);
  });

  it('derives a lossy source from its header alone with the same compression history as from the whole file', async () => {
    const jpeg = join(tmp.dir, 'jpeg.dcm');
    dcmtk('dcmcjpeg', ['+ee', FIXTURE, jpeg]);
    // Without dcmcjpeg's own history the ratio is ours, computed from the Pixel Data's size.
    dcmtk('dcmodify', ['-nb', '-ea', '(0028,2110)', '-ea', '(0028,2112)', '-ea', '(0028,2114)', jpeg]);
    const denoised = await denoiseInstance({ path: jpeg }, deps);
    const whole = parseDicom(readFileSync(jpeg));
    assert.equal(denoised.header.dataset['7FE00010'], undefined);
    assert.equal(denoised.sourcePixelDataBytes, pixelDataBytes(whole.dataset));
    const fromHeader = deriveInstance(denoised, deps.derive).derived;
    const { clippedFraction, maxChangeStored, flagged, maxClippedFraction, sigmaStored, k, strength } = denoised.guard;
    const guard = { clippedFraction, maxChangeStored: maxChangeStored!, flagged, maxClippedFraction, sigmaStored: sigmaStored!, k, strength };
    const provenance = { modelName: model.info.modelId, modelVersion: model.info.modelVersion, params: { ...denoised.params }, guard };
    const fromWhole = buildDerived({ source: whole, pixels: denoised.pixels, provenance, options: deps.derive });
    assert.ok(Buffer.from(fromHeader.bytes).equals(Buffer.from(fromWhole.bytes)), 'derived objects differ');
    assert.match(text(fromHeader.bytes, '00282112'), /^\d+\.\d\d$/);
  });

  it('writes <dir>/<StudyUID>/<SOPInstanceUID>.dcm atomically and refuses unsafe UIDs', async () => {
    const { derived } = await processInstance({ path: FIXTURE }, deps);
    const dir = join(tmp.dir, 'store');
    const path = await writeDerived(dir, derived);
    assert.equal(path, join(dir, derived.studyInstanceUid, `${derived.sopInstanceUid}.dcm`));
    assert.ok(readFileSync(path).equals(Buffer.from(derived.bytes)));
    await writeDerived(dir, derived); // rewriting replaces it
    assert.deepEqual(readdirSync(join(dir, derived.studyInstanceUid)), [`${derived.sopInstanceUid}.dcm`], 'no temporary files left');
    await assert.rejects(writeDerived(dir, { ...derived, studyInstanceUid: '../../etc' }), /not a DICOM UID/);
  });

  it('fails with the decode error for a malformed file, and on bad guard options before decoding', async () => {
    const bad = join(tmp.dir, 'bad.dcm');
    writeFileSync(bad, Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.from('truncated')]));
    await assert.rejects(processInstance({ path: bad }, deps), MalformedDicomError);
    await assert.rejects(processInstance({ path: FIXTURE }, { ...deps, guard: { ...DEFAULT_GUARD, strength: 2 } }), GuardError);
  });

  it('refuses a multi-frame object instead of deriving frame 0 alone', async () => {
    const multi = join(tmp.dir, 'multi.dcm');
    const spec = { width: 32, height: 32, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 0, frames: 2 } as const;
    writeFileSync(multi, nativeFile(spec, new Uint16Array(32 * 32 * 2).map((_, i) => i % 4096)));
    await assert.rejects(processInstance({ path: multi }, deps), (err: Error) =>
      err instanceof UnsupportedImageError && /2 frames: only single-frame radiographs/.test(err.message));
  });
});
