// The DICOM listener (C-ECHO and C-STORE SCP) against real DCMTK peers, no network mocks:
// echoscu and storescu talk to it over TCP, storescp +B (which writes received bytes as they
// are) is the reference for "stored exactly as received", and dcmjs reads the headers the
// sink must get. Ends with a throughput comparison against storescp (printed, not asserted).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SHARPXR_IMPLEMENTATION_CLASS_UID } from '../../server/src/derive/uids.js';
import { startListener, type IngestOutcome, type IngestSink, type Listener, type StoredInstance } from '../../server/src/ingest/index.js';
import { parseDicom } from '../../server/src/pipeline/decode/index.js';
import { readMetaHeader } from '../../server/src/pipeline/decode/meta.js';
import { dcmtk } from './dicom-builders.js';
import { ROOT, tempDir } from './helpers.js';
import {
  HAVE_DCMTK, echoscu, formatThroughput, measureStoreThroughput, startStorescp, storescu, writeStorescuConfig,
  type Peer, type StorescuConfig,
} from '../helpers/dcmtk.js';

const FIXTURE = join(ROOT, 'tests', 'fixtures', 'dicom', 'CR-MONO1-10-chest_dcmbench_explicitLE.dcm');
const SHARED = resolve(ROOT, '..', 'shared', 'data', 'dicom');
const HAVE_SHARED = existsSync(SHARED);
const NO_SHARED = `${SHARED} is missing: the shared-file listener tests and the throughput check were NOT run`;
if (!HAVE_SHARED) console.log(`ingest.test: ${NO_SHARED}`);
const NO_DCMTK = !HAVE_DCMTK && 'DCMTK (storescu, echoscu, storescp) is not installed';

class RecordingSink implements IngestSink {
  calls: StoredInstance[] = [];
  async record(instance: StoredInstance): Promise<IngestOutcome> {
    this.calls.push(instance);
    return { kind: 'queued', jobId: String(this.calls.length) };
  }
}

function sharedFiles(): string[] {
  return ['chest', 'codecs-wg04', 'transcoded'].flatMap((d) =>
    readdirSync(join(SHARED, d)).filter((n) => n.endsWith('.dcm')).sort().map((n) => join(SHARED, d, n)),
  );
}

/** Group 0002 of a stored file (explicit VR little endian), as tag element -> trimmed text. */
function metaOf(file: Buffer): Map<number, string> {
  assert.equal(file.toString('latin1', 128, 132), 'DICM', 'Part 10 marker');
  const out = new Map<number, string>();
  const end = 132 + 12 + file.readUInt32LE(140);
  for (let at = 132; at < end; ) {
    const element = file.readUInt16LE(at + 2);
    const vr = file.toString('latin1', at + 4, at + 6);
    const long = vr === 'OB';
    const length = long ? file.readUInt32LE(at + 8) : file.readUInt16LE(at + 6);
    const valueAt = at + (long ? 12 : 8);
    out.set(element, file.toString('latin1', valueAt, valueAt + length).replace(/[\0 ]+$/, ''));
    at = valueAt + length;
  }
  return out;
}

/** The data set bytes of a file: after the meta header, or all of it when there is none. */
function dataSetBytes(file: Buffer): Buffer {
  return file.toString('latin1', 128, 132) === 'DICM' ? file.subarray(readMetaHeader(file, 132).end) : file;
}

/** The header facts dcmjs reads from the source, for comparison with what the sink got. */
function sourceHeader(path: string): Record<string, unknown> {
  const { dataset, transferSyntax } = parseDicom(readFileSync(path));
  const text = (tag: string): string | undefined => {
    const v = dataset[tag]?.Value?.[0];
    const s = v === undefined || v === null ? '' : String(v).trim();
    return s || undefined;
  };
  return {
    transferSyntaxUid: transferSyntax.uid, sopClassUid: text('00080016'), sopInstanceUid: text('00080018'),
    studyInstanceUid: text('0020000D'), seriesInstanceUid: text('0020000E'), modality: text('00080060'),
    bodyPartExamined: text('00180015'), viewPosition: text('00185101'), rows: dataset['00280010']?.Value?.[0],
    columns: dataset['00280011']?.Value?.[0],
  };
}

function assertStoredLike(call: StoredInstance, source: string, label: string): void {
  for (const [key, value] of Object.entries(sourceHeader(source))) {
    assert.deepEqual(call[key as keyof StoredInstance], value, `${label}: sink got ${key}`);
  }
  assert.ok(isAbsolute(call.path) && call.path.endsWith(join('instances', call.studyInstanceUid, `${call.sopInstanceUid}.dcm`)), `${label}: path ${call.path}`);
  assert.equal(call.sizeBytes, statSync(call.path).size, `${label}: sizeBytes`);
  assert.equal(call.callingAeTitle, 'STORESCU', `${label}: calling AE`);
  const file = readFileSync(call.path);
  const meta = metaOf(file);
  assert.equal(meta.get(0x0002), call.sopClassUid, `${label}: (0002,0002)`);
  assert.equal(meta.get(0x0003), call.sopInstanceUid, `${label}: (0002,0003)`);
  assert.equal(meta.get(0x0010), call.transferSyntaxUid, `${label}: (0002,0010)`);
  assert.equal(meta.get(0x0012), SHARPXR_IMPLEMENTATION_CLASS_UID, `${label}: (0002,0012)`);
  assert.match(meta.get(0x0013) ?? '', /^SHARPXR_/, `${label}: (0002,0013)`);
  assert.equal(meta.get(0x0016), 'STORESCU', `${label}: (0002,0016)`);
  assert.doesNotThrow(() => parseDicom(file), `${label}: the stored file parses`);
}

/** Empty a folder a running peer writes into (removing the folder itself would break it). */
function clearDir(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
}

describe('DICOM listener with DCMTK peers', { skip: NO_DCMTK }, () => {
  let tmp: ReturnType<typeof tempDir>;
  let listener: Listener;
  let peer: Peer;
  let config: StorescuConfig;
  const sink = new RecordingSink();
  const storeDir = (): string => join(tmp.dir, 'store');

  before(async () => {
    tmp = tempDir('sharpxr-ingest-');
    config = writeStorescuConfig(join(tmp.dir, 'cfg'));
    listener = await startListener({ aeTitle: 'SHARPXR', port: 0, host: '127.0.0.1', storeDir: storeDir(), sink });
    peer = { host: '127.0.0.1', port: listener.port, aeTitle: 'SHARPXR' };
  });
  after(async () => {
    await listener?.close();
    tmp?.cleanup();
  });

  it('answers C-ECHO', async () => {
    const result = await echoscu(peer);
    assert.equal(result.code, 0, result.stderr);
  });

  it('stores the committed fixture as Part 10, byte for byte, and records it once', async () => {
    sink.calls = [];
    const result = await storescu(peer, [FIXTURE], { config });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(sink.calls.length, 1);
    const call = sink.calls[0]!;
    assertStoredLike(call, FIXTURE, 'fixture');
    assert.deepEqual(
      { modality: call.modality, bodyPartExamined: call.bodyPartExamined, viewPosition: call.viewPosition, rows: call.rows, columns: call.columns },
      { modality: 'CR', bodyPartExamined: 'CHEST', viewPosition: 'PA', rows: 440, columns: 440 },
    );
    // storescu sends this file's data set unchanged, so it is the source's own bytes.
    assert.ok(dataSetBytes(readFileSync(call.path)).equals(dataSetBytes(readFileSync(FIXTURE))), 'data set bytes');
    assert.deepEqual(readdirSync(join(storeDir(), 'tmp')), [], 'no temporary file left');
  });

  it('stores DCMTK rewrites of the fixture: big endian, implicit VR, deflated, undefined lengths', async () => {
    const variants = [['+tb', '-e'], ['+ti', '-e'], ['+td']].map((flags, i) => {
      const out = join(tmp.dir, `variant-${i}.dcm`);
      dcmtk('dcmconv', [...flags, FIXTURE, out]);
      return out;
    });
    for (const variant of variants) {
      sink.calls = [];
      const result = await storescu(peer, [variant], { config });
      assert.equal(result.code, 0, `${variant}: ${result.stderr}`);
      assert.equal(sink.calls.length, 1, variant);
      assertStoredLike(sink.calls[0]!, variant, variant);
    }
  });

  it('re-sending an instance replaces its file and records it again', async () => {
    sink.calls = [];
    assert.equal((await storescu(peer, [FIXTURE, FIXTURE], { config })).code, 0);
    assert.equal(sink.calls.length, 2);
    assert.equal(sink.calls[0]!.path, sink.calls[1]!.path);
    assert.ok(existsSync(sink.calls[1]!.path));
  });

  it('stores every shared file exactly as storescp +B receives it', { skip: !HAVE_SHARED && NO_SHARED }, async () => {
    const reference = await startStorescp(join(tmp.dir, 'storescp'), { aeTitle: 'SHARPXR', bitPreserving: true });
    try {
      for (const source of sharedFiles()) {
        sink.calls = [];
        clearDir(join(tmp.dir, 'storescp'));
        const ours = await storescu(peer, [source], { config });
        const theirs = await storescu(reference, [source], { config });
        assert.equal(ours.code, 0, `${source}: ${ours.stderr}`);
        assert.equal(theirs.code, 0, `${source} to storescp: ${theirs.stderr}`);
        assert.equal(sink.calls.length, 1, `${source}: one sink call`);
        assertStoredLike(sink.calls[0]!, source, source);
        const [refFile] = readdirSync(join(tmp.dir, 'storescp')).map((n) => join(tmp.dir, 'storescp', n));
        const expected = dataSetBytes(readFileSync(refFile!));
        assert.ok(dataSetBytes(readFileSync(sink.calls[0]!.path)).equals(expected), `${source}: data set bytes as received`);
      }
    } finally {
      await reference.stop();
    }
  });

  it('keeps every byte when the file is slower than the socket (tiny write buffer)', async () => {
    const slowSink = new RecordingSink();
    const slow = await startListener({ aeTitle: 'SLOW', port: 0, host: '127.0.0.1', storeDir: join(tmp.dir, 'slow'), sink: slowSink, writeBufferBytes: 4096, maxPduLength: 131072 });
    try {
      const files = HAVE_SHARED ? [join(SHARED, 'codecs-wg04', 'RG2_UNC.dcm'), join(SHARED, 'chest', 'DX_chest_966_fixed_J2KR.dcm')] : [FIXTURE];
      const result = await storescu({ host: '127.0.0.1', port: slow.port, aeTitle: 'SLOW' }, files, { config });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(slowSink.calls.length, files.length);
      for (const [i, f] of files.entries()) assertStoredLike(slowSink.calls[i]!, f, `slow ${f}`);
    } finally {
      await slow.close();
    }
  });

  it('rejects associations to another AE title, or from calling AE titles not allowed', async () => {
    const wrongCalled = await storescu({ ...peer, aeTitle: 'NOT-US' }, [FIXTURE], { config });
    assert.notEqual(wrongCalled.code, 0);
    assert.match(wrongCalled.stderr, /Association Rejected[\s\S]*Called AE Title Not Recognized/);
    const strict = await startListener({ aeTitle: 'STRICT', port: 0, host: '127.0.0.1', storeDir: join(tmp.dir, 'strict'), sink: new RecordingSink(), allowedCallingAeTitles: ['MODALITY1'] });
    try {
      const strictPeer = { host: '127.0.0.1', port: strict.port, aeTitle: 'STRICT' };
      const stranger = await storescu(strictPeer, [FIXTURE], { config, callingAe: 'STRANGER' });
      assert.notEqual(stranger.code, 0);
      assert.match(stranger.stderr, /Association Rejected[\s\S]*Calling AE Title Not Recognized/);
      assert.equal((await storescu(strictPeer, [FIXTURE], { config, callingAe: 'MODALITY1' })).code, 0);
    } finally {
      await strict.close();
    }
    assert.equal((await echoscu(peer)).code, 0, 'still serving');
  });

  it('refuses associations beyond maxAssociations transiently, and serves again when one closes', async () => {
    const limited = await startListener({ aeTitle: 'SHARPXR', port: 0, host: '127.0.0.1', storeDir: join(tmp.dir, 'limited'), sink: new RecordingSink(), maxAssociations: 1 });
    const holder = connect(limited.port, '127.0.0.1');
    try {
      await once(holder, 'connect');
      const limitedPeer = { host: '127.0.0.1', port: limited.port, aeTitle: 'SHARPXR' };
      const refused = await echoscu(limitedPeer);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /Association Rejected[\s\S]*Local Limit Exceeded/);
      holder.destroy();
      await once(holder, 'close');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal((await echoscu(limitedPeer)).code, 0, 'served again once the first connection closed');
    } finally {
      holder.destroy();
      await limited.close();
    }
  });

  it('throughput: storescu to this listener vs to storescp (printed, not asserted)', { skip: !HAVE_SHARED && NO_SHARED }, async () => {
    const chest = readdirSync(join(SHARED, 'chest')).filter((n) => n.endsWith('.dcm')).sort().map((n) => join(SHARED, 'chest', n));
    const scpDir = join(tmp.dir, 'storescp-bench');
    const storescp = await startStorescp(scpDir, { aeTitle: 'SHARPXR' });
    const lines: string[] = [];
    try {
      // One pass over the files per association (as a modality sends a study), then five
      // passes with fresh SOP Instance UIDs (sustained load, every store a new file).
      for (const repeat of [1, 5]) {
        const common = { files: chest, config, runs: 3, repeat, distinctInstances: repeat > 1 };
        const ours = await measureStoreThroughput({ ...common, label: `SharpXR listener, fsync (x${repeat})`, peer, beforeRun: () => clearDir(join(storeDir(), 'instances')) });
        const theirs = await measureStoreThroughput({ ...common, label: `DCMTK storescp, no fsync (x${repeat})`, peer: storescp, beforeRun: () => clearDir(scpDir) });
        const ratio = (ours.medianMegabytesPerSecond / theirs.medianMegabytesPerSecond).toFixed(2);
        lines.push(formatThroughput(ours), formatThroughput(theirs), `ratio ${ratio}`);
      }
    } finally {
      await storescp.stop();
    }
    console.log(`ingest.test throughput, storescu of the ${chest.length} chest files, 3 runs each:\n  ${lines.join('\n  ')}`);
  });
});
