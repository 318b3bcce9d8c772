// The study-search fields at ingest: DCMTK storescu sends real radiographs (the committed
// fixture, edited copies of it in two character sets, a shared JPEG-LS chest film) to the real
// listener with the node's real ingest sink on a migrated SQLite database; the Instance rows
// must carry PatientID, AccessionNumber and StudyDate decoded with the file's Specific
// Character Set, a re-send must replace them, and the patient's name must be nowhere.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createIngestSink, type Database } from '../../server/src/db/index.js';
import { startListener, type Listener } from '../../server/src/ingest/index.js';
import { PrismaJobQueue } from '../../server/src/queue/index.js';
import { DEFAULT_RULES, selectInstance } from '../../server/src/rules/index.js';
import { HAVE_DCMTK, storescu, writeStorescuConfig, type Peer, type StorescuConfig } from '../helpers/dcmtk.js';
import { openMigratedDb } from './api-fixture.js';
import { dcmtk } from './dicom-builders.js';
import { ROOT, sopInstanceUidOf, tempDir } from './helpers.js';

const FIXTURE = join(ROOT, 'tests', 'fixtures', 'dicom', 'CR-MONO1-10-chest_dcmbench_explicitLE.dcm');
const SHARED_RG1 = resolve(ROOT, '..', 'shared', 'data', 'dicom', 'chest', 'RG1_JLSN.dcm');
const SECRET_NAME = 'SECRETNAME^PATIENT';

describe('ingest keeps patient ID, accession number and study date', { skip: !HAVE_DCMTK && 'DCMTK is not installed' }, () => {
  const tmp = tempDir('sharpxr-search-fields-');
  let db: Database;
  let listener: Listener;
  let peer: Peer;
  let config: StorescuConfig;

  before(async () => {
    db = await openMigratedDb(tmp.dir);
    const queue = new PrismaJobQueue(db);
    const sink = createIngestSink({
      db, queue, select: (i) => selectInstance(DEFAULT_RULES, i),
      job: () => ({ modelId: 'sharpxr-test', modelVersion: '1', paramsHash: 'p' }),
    });
    listener = await startListener({ aeTitle: 'SHARPXR', port: 0, host: '127.0.0.1', storeDir: join(tmp.dir, 'store'), sink });
    peer = { host: '127.0.0.1', port: listener.port, aeTitle: 'SHARPXR' };
    config = writeStorescuConfig(join(tmp.dir, 'cfg'));
  });
  after(async () => {
    await listener?.close();
    await db?.$disconnect();
    tmp.cleanup();
  });

  /** A copy of the fixture with a new SOP Instance UID and the given edits (dcmodify arguments). */
  function edited(name: string, sop: string, edits: readonly string[]): string {
    const path = join(tmp.dir, `${name}.dcm`);
    copyFileSync(FIXTURE, path);
    dcmtk('dcmodify', ['-nb', '-i', `(0008,0018)=${sop}`, '-i', `(0010,0010)=${SECRET_NAME}`, ...edits, path]);
    return path;
  }

  async function send(files: readonly string[]): Promise<void> {
    const result = await storescu(peer, files, { config });
    assert.equal(result.code, 0, result.stderr);
  }

  async function row(sop: string) {
    const r = await db.instance.findUnique({ where: { sopInstanceUid: sop } });
    assert.ok(r, `instance ${sop} recorded`);
    return r;
  }

  it('decodes UTF-8 (ISO_IR 192) and Latin-1 (ISO_IR 100) values, and an ACR-NEMA style date', async () => {
    const utf8 = edited('utf8', '1.2.826.0.1.3680043.8.498.9001', [
      '-i', '(0008,0005)=ISO_IR 192', '-i', '(0010,0020)=PID-Ærø-7', '-i', '(0008,0050)=ACC-Ω1', '-i', '(0008,0020)=20240131',
    ]);
    const latin1Id = join(tmp.dir, 'latin1-id');
    writeFileSync(latin1Id, Buffer.from('MÜLLER-42 ', 'latin1') /* LO is padded to even length with a space */);
    const latin1 = edited('latin1', '1.2.826.0.1.3680043.8.498.9002', [
      '-i', '(0008,0005)=ISO_IR 100', '-if', `(0010,0020)=${latin1Id}`, '-i', '(0008,0020)=2004.08.26',
    ]);
    assert.ok(readFileSync(latin1).includes(Buffer.from([0x4d, 0xdc, 0x4c])), 'the Latin-1 file holds the byte 0xDC');
    await send([utf8, latin1, FIXTURE]);
    const a = await row('1.2.826.0.1.3680043.8.498.9001');
    assert.deepEqual([a.patientId, a.accessionNumber, a.studyDate], ['PID-Ærø-7', 'ACC-Ω1', '20240131']);
    const b = await row('1.2.826.0.1.3680043.8.498.9002');
    assert.deepEqual([b.patientId, b.accessionNumber, b.studyDate], ['MÜLLER-42', 'FUJI95714', '20040826']);
    // The unedited fixture has an accession number and neither patient ID nor study date.
    const sop = sopInstanceUidOf(FIXTURE);
    const c = await row(sop);
    assert.deepEqual([c.patientId, c.accessionNumber, c.studyDate], [null, 'FUJI95714', null]);
  });

  it('replaces the values on a re-send, and drops a date that is not one', async () => {
    const sop = '1.2.826.0.1.3680043.8.498.9003';
    await send([edited('first', sop, ['-i', '(0010,0020)=FIRST-ID', '-i', '(0008,0020)=20200101'])]);
    assert.equal((await row(sop)).patientId, 'FIRST-ID');
    await send([edited('second', sop, ['-i', '(0010,0020)=SECOND-ID', '-i', '(0008,0050)=', '-i', '(0008,0020)=2020-01-01'])]);
    const r = await row(sop);
    assert.deepEqual([r.patientId, r.accessionNumber, r.studyDate, r.receiveCount], ['SECOND-ID', null, null, 2]);
  });

  it('reads a real JPEG-LS chest film with its declared character set', { skip: !existsSync(SHARED_RG1) && `${SHARED_RG1} missing` }, async () => {
    await send([SHARED_RG1]);
    const sop = sopInstanceUidOf(SHARED_RG1);
    const r = await row(sop);
    assert.deepEqual([r.patientId, r.accessionNumber, r.studyDate], ['9RG1', 'exam Number', '20040826']);
  });

  it('keeps no patient name in any column', async () => {
    const rows = await db.instance.findMany();
    assert.ok(rows.length >= 4);
    assert.ok(!JSON.stringify(rows).includes('SECRETNAME'), 'a patient name reached the database');
    const files = rows.map((r) => readFileSync(r.path));
    assert.ok(files.some((f) => f.includes(Buffer.from('SECRETNAME'))), 'the files themselves keep it (the test is able to see it)');
  });
});
