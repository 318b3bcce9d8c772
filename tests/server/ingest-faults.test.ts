// The listener under bad input and failures, over the network for real: data sets cut short,
// contradicting their command, not DICOM, aborted half way (sent by a raw-PDU SCU, since
// DCMTK will not send those), an unsupported SOP class and a non-DICOM file (storescu), a
// sink that throws, and a shutdown with a C-STORE in flight. After each, a normal store must
// still succeed: one bad peer never takes the node down.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { startListener, type IngestOutcome, type IngestSink, type Listener, type StoredInstance } from '../../server/src/ingest/index.js';
import { readMetaHeader } from '../../server/src/pipeline/decode/meta.js';
import { dcmtk } from './dicom-builders.js';
import { ROOT, tempDir } from './helpers.js';
import { HAVE_DCMTK, storescu, writeStorescuConfig, STORAGE_SOP_CLASSES, type Peer, type StorescuConfig } from '../helpers/dcmtk.js';
import { rawCStore } from '../helpers/raw-scu.js';

const FIXTURE = join(ROOT, 'tests', 'fixtures', 'dicom', 'CR-MONO1-10-chest_dcmbench_explicitLE.dcm');
const FIXTURE_SOP_INSTANCE = '1.2.392.200036.9125.0.19950720112207';
const FIXTURE_STUDY_INSTANCE = '1.2.392.200036.9125.0.199302241758.16';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const NO_DCMTK = !HAVE_DCMTK && 'DCMTK (storescu, dcmodify) is not installed';

/** In-memory sink; `failNext` makes the next call throw, `delayMs` holds each call. */
class TestSink implements IngestSink {
  calls: StoredInstance[] = [];
  failNext = false;
  delayMs = 0;
  entered: (() => void) | null = null;
  async record(instance: StoredInstance): Promise<IngestOutcome> {
    this.entered?.();
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failNext) {
      this.failNext = false;
      throw new Error('database is locked');
    }
    this.calls.push(instance);
    return { kind: 'queued', jobId: String(this.calls.length) };
  }
}

const fixtureDataSet = (): Buffer => {
  const file = readFileSync(FIXTURE);
  return file.subarray(readMetaHeader(file, 132).end);
};

describe('DICOM listener under faults', { skip: NO_DCMTK }, () => {
  let tmp: ReturnType<typeof tempDir>;
  let listener: Listener;
  let peer: Peer;
  let config: StorescuConfig;
  const sink = new TestSink();
  const store = (...p: string[]): string => join(tmp.dir, 'store', ...p);
  const storedFiles = (): string[] => readdirSync(store('instances'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);

  const raw = (dataset: Buffer, over: Partial<Parameters<typeof rawCStore>[0]> = {}) =>
    rawCStore({ peer, sopClassUid: STORAGE_SOP_CLASSES.cr, sopInstanceUid: FIXTURE_SOP_INSTANCE, transferSyntaxUid: EXPLICIT_LE, dataset, ...over });

  /** Nothing partial stays behind (an aborted connection cleans up when its socket closes). */
  async function assertNoTempFiles(): Promise<void> {
    for (let i = 0; i < 40 && readdirSync(store('tmp')).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(readdirSync(store('tmp')), [], 'temporary files left');
  }

  async function assertStillServes(): Promise<void> {
    const before = sink.calls.length;
    const result = await storescu(peer, [FIXTURE], { config });
    assert.equal(result.code, 0, `a normal store after the fault failed: ${result.stderr}`);
    assert.equal(sink.calls.length, before + 1);
  }

  before(async () => {
    tmp = tempDir('sharpxr-ingest-faults-');
    config = writeStorescuConfig(join(tmp.dir, 'cfg'));
    listener = await startListener({ aeTitle: 'SHARPXR', port: 0, host: '127.0.0.1', storeDir: join(tmp.dir, 'store'), sink });
    peer = { host: '127.0.0.1', port: listener.port, aeTitle: 'SHARPXR' };
  });
  after(async () => {
    await listener?.close();
    tmp?.cleanup();
  });

  it('the raw SCU stores a whole data set (so the faults below are the only difference)', async () => {
    const result = await raw(fixtureDataSet(), { pdvSize: 1000 });
    assert.deepEqual(result, { kind: 'status', status: 0x0000 });
    assert.deepEqual(storedFiles(), [`${FIXTURE_SOP_INSTANCE}.dcm`]);
  });

  it('a data set cut short: 0xC000, nothing stored, no temporary file', async () => {
    const before = sink.calls.length;
    for (const keep of [0.6, 0.05]) {
      const dataset = fixtureDataSet();
      const result = await raw(dataset.subarray(0, Math.floor(dataset.length * keep)), { sopInstanceUid: `1.2.3.4.${Math.round(keep * 100)}` });
      assert.equal(result.kind === 'status' && result.status, 0xc000, `kept ${keep}: ${JSON.stringify(result)}`);
      assert.match((result.kind === 'status' && result.comment) || '', /truncated/, 'Error Comment (0000,0902) says why');
    }
    assert.equal(sink.calls.length, before);
    assert.deepEqual(storedFiles(), [`${FIXTURE_SOP_INSTANCE}.dcm`]);
    await assertNoTempFiles();
    await assertStillServes();
  });

  it('bytes that are not DICOM, or a deflated data set that does not inflate: 0xC000', async () => {
    const junk = Buffer.from('this is not a DICOM data set at all, just text\n'.repeat(100));
    const a = await raw(junk, { sopInstanceUid: '1.2.3.4.7' });
    const b = await raw(junk, { sopInstanceUid: '1.2.3.4.8', transferSyntaxUid: '1.2.840.10008.1.2.1.99' });
    assert.equal(a.kind === 'status' && a.status, 0xc000, JSON.stringify(a));
    assert.equal(b.kind === 'status' && b.status, 0xc000, JSON.stringify(b));
    await assertNoTempFiles();
    await assertStillServes();
  });

  it('a deflated data set is inflated to check it and stored deflated, as received', async () => {
    const deflated = deflateRawSync(fixtureDataSet());
    const result = await raw(deflated, { transferSyntaxUid: '1.2.840.10008.1.2.1.99' });
    assert.deepEqual(result, { kind: 'status', status: 0x0000 });
    const stored = readFileSync(sink.calls.at(-1)!.path);
    assert.ok(stored.subarray(readMetaHeader(stored, 132).end).equals(deflated));
  });

  it('a data set that contradicts its command: 0xA900, nothing stored', async () => {
    const before = sink.calls.length;
    const otherInstance = await raw(fixtureDataSet(), { sopInstanceUid: '1.2.3.4.5.6.7.8' });
    assert.equal(otherInstance.kind === 'status' && otherInstance.status, 0xa900, JSON.stringify(otherInstance));
    const otherClass = await raw(fixtureDataSet(), { sopClassUid: STORAGE_SOP_CLASSES.dxPresentation });
    assert.equal(otherClass.kind === 'status' && otherClass.status, 0xa900, JSON.stringify(otherClass));
    assert.equal(sink.calls.length, before);
    assert.ok(!storedFiles().includes('1.2.3.4.5.6.7.8.dcm'));
    await assertNoTempFiles();
  });

  it('native pixel data under an encapsulated syntax (JPEG 2000) is refused with 0xC000', async () => {
    const result = await raw(fixtureDataSet(), { transferSyntaxUid: '1.2.840.10008.1.2.4.90' });
    assert.equal(result.kind === 'status' && result.status, 0xc000, JSON.stringify(result));
  });

  it('an abort in the middle of a data set leaves no temporary file', async () => {
    const before = sink.calls.length;
    const result = await raw(fixtureDataSet(), { sopInstanceUid: '1.2.3.4.9', abortAfterBytes: 100_000, pdvSize: 8192 });
    assert.equal(result.kind, 'aborted-by-us');
    await assertNoTempFiles();
    assert.equal(sink.calls.length, before);
    await assertStillServes();
  });

  it('an unsupported SOP class is refused at association; storescu gives up on it', async () => {
    const sc = join(tmp.dir, 'secondary-capture.dcm');
    dcmtk('dcmconv', [FIXTURE, sc]);
    dcmtk('dcmodify', ['-nb', '-m', `(0008,0016)=${STORAGE_SOP_CLASSES.secondaryCapture}`, '-m', '(0008,0018)=1.2.3.4.10', sc]);
    const scConfig = writeStorescuConfig(join(tmp.dir, 'cfg-sc'), [STORAGE_SOP_CLASSES.secondaryCapture, STORAGE_SOP_CLASSES.mr], [EXPLICIT_LE]);
    const result = await storescu(peer, [sc], { config: scConfig });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /No (valid )?[Pp]resentation [Cc]ontext|No Acceptable Presentation Contexts/);
    const rawResult = await raw(fixtureDataSet(), { sopClassUid: STORAGE_SOP_CLASSES.secondaryCapture });
    assert.deepEqual(rawResult, { kind: 'context-rejected', result: 3 }, 'abstract syntax not supported');
    const rawSyntax = await raw(fixtureDataSet(), { transferSyntaxUid: '1.2.840.10008.1.2.4.100' });
    assert.deepEqual(rawSyntax, { kind: 'context-rejected', result: 4 }, 'transfer syntax (MPEG-2) not supported');
    await assertStillServes();
  });

  it('storescu itself refuses a file that is not DICOM; the node is untouched', async () => {
    const junk = join(tmp.dir, 'junk.dcm');
    writeFileSync(junk, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) % 251)));
    const result = await storescu(peer, [junk], { config });
    assert.notEqual(result.code, 0);
    await assertStillServes();
  });

  it('a sink that throws: 0xA700 to the sender, the file kept, the next store succeeds', async () => {
    sink.failNext = true;
    const before = sink.calls.length;
    const result = await storescu(peer, [FIXTURE], { config, extraArgs: ['-v'] });
    assert.notEqual(result.code, 0);
    assert.match(result.stdout + result.stderr, /Refused: OutOfResources|0xa700/i);
    assert.equal(sink.calls.length, before);
    assert.ok(storedFiles().includes(`${FIXTURE_SOP_INSTANCE}.dcm`), 'the stored file stays for the re-send');
    await assertStillServes();
  });

  it('storage errors answer 0xA700 (the sender retries) and leave nothing behind', async () => {
    // Where the temporary file should go is a file: opening it fails (ENOTDIR).
    rmSync(store('tmp'), { recursive: true });
    writeFileSync(store('tmp'), 'not a folder');
    try {
      const result = await raw(fixtureDataSet(), { sopInstanceUid: '1.2.3.4.11' });
      assert.equal(result.kind === 'status' && result.status, 0xa700, JSON.stringify(result));
    } finally {
      rmSync(store('tmp'));
      mkdirSync(store('tmp'));
    }
    // The study folder is a file: the rename into the store fails.
    const studyUid = FIXTURE_STUDY_INSTANCE;
    rmSync(store('instances', studyUid), { recursive: true, force: true });
    writeFileSync(store('instances', studyUid), 'not a folder');
    try {
      const result = await raw(fixtureDataSet());
      assert.equal(result.kind === 'status' && result.status, 0xa700, JSON.stringify(result));
      await assertNoTempFiles();
    } finally {
      rmSync(store('instances', studyUid));
    }
    await assertStillServes();
  });

  it('a PDU longer than announced ends that connection only', async () => {
    const socket = connect(peer.port, peer.host);
    await new Promise((r) => socket.once('connect', r));
    const closed = new Promise((r) => socket.once('close', r));
    socket.on('error', () => undefined);
    socket.write(Buffer.from([0x01, 0x00, 0x7f, 0xff, 0xff, 0xff, 0x00, 0x01])); // A-ASSOCIATE-RQ of 2 GiB
    await closed;
    await assertStillServes();
  });

  it('close() lets a C-STORE in flight finish, then refuses new connections', async () => {
    const slowSink = new TestSink();
    slowSink.delayMs = 400;
    const slow = await startListener({ aeTitle: 'SLOW', port: 0, host: '127.0.0.1', storeDir: join(tmp.dir, 'slow'), sink: slowSink });
    const slowPeer = { host: '127.0.0.1', port: slow.port, aeTitle: 'SLOW' };
    const entered = new Promise<void>((r) => (slowSink.entered = r));
    const sending = storescu(slowPeer, [FIXTURE], { config });
    await entered;
    const closed = slow.close();
    const result = await sending;
    assert.equal(result.code, 0, `the store in flight must succeed: ${result.stderr}`);
    assert.equal(slowSink.calls.length, 1);
    await closed;
    const after = await storescu(slowPeer, [FIXTURE], { config });
    assert.notEqual(after.code, 0, 'nothing listens any more');
  });
});
