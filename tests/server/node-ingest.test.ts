// Every real radiograph in ../shared/data/dicom sent to the running node by DCMTK storescu,
// each in its own transfer syntax: chest images become jobs, the others are stored and marked
// skipped with a readable reason, and bad input gets a failure status while the node keeps
// serving. The listener's own tests (ingest*.test.ts) cover the faults byte by byte.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type Database } from '../../server/src/db/index.js';
import { ROOT, sopInstanceUidOf, tempDir } from './helpers.js';
import { HAVE_DCMTK, storescu as storescuTo, writeStorescuConfig } from '../helpers/dcmtk.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { freePort } from '../helpers/orthanc.js';

const SHARED = join(ROOT, '..', 'shared', 'data', 'dicom');
const skip = !HAVE_DCMTK ? 'DCMTK not installed' : !existsSync(SHARED) ? `${SHARED} missing` : false;

describe('node ingest of every shared radiograph', { skip }, () => {
  const tmp = tempDir('sharpxr-node-ingest-');
  let node: NodeProcess;
  let db: Database;

  before(async () => {
    node = await startNodeProcess({ dir: tmp.dir, dicomPort: await freePort(), httpPort: await freePort() });
    db = await openDatabase({ url: `file:${join(tmp.dir, 'var', 'sharpxr.db')}` });
  });
  after(async () => {
    await db?.$disconnect();
    await node?.kill9(); // the jobs' processing is not under test here
    tmp.cleanup();
  });

  it('stores every file; selects the chest films and skips the rest with the reason', async () => {
    const files = ['chest', 'codecs-wg04', 'transcoded'].flatMap((d) => readdirSync(join(SHARED, d)).map((f) => join(SHARED, d, f)));
    const peer = { host: '127.0.0.1', port: node.dicomPort, aeTitle: 'SHARPXR' };
    const sent = await storescuTo(peer, files, { config: writeStorescuConfig(join(tmp.dir, 'cfg')) });
    assert.equal(sent.code, 0, sent.stderr);
    const rows = await db.instance.findMany();
    const bySop = new Map(rows.map((r) => [r.sopInstanceUid, r]));
    const distinct = new Set(files.map(sopInstanceUidOf));
    assert.equal(rows.length, distinct.size, 'one row per distinct SOP instance');
    for (const row of rows) {
      assert.ok(existsSync(row.path), row.path);
      const chest = row.bodyPartExamined?.toUpperCase() === 'CHEST';
      if (chest) assert.equal(row.status, 'selected', `${row.sopInstanceUid} ${row.bodyPartExamined}`);
      if (row.bodyPartExamined && !chest) {
        assert.equal(row.status, 'skipped');
        assert.match(row.skipReason ?? '', new RegExp(`BodyPartExamined=${row.bodyPartExamined}`));
      }
    }
    assert.equal(bySop.get('1.3.6.1.4.1.5962.1.1.10.1.2.20040826185059.5457')?.status, 'skipped', 'RG2 hip');
    const jobs = await db.job.findMany();
    assert.deepEqual(new Set(jobs.map((j) => j.sopInstanceUid)), new Set(rows.filter((r) => r.status === 'selected').map((r) => r.sopInstanceUid)));
  });

  it('answers bad input with a failure status and keeps serving', async () => {
    const bad = join(tmp.dir, 'not-dicom.dcm');
    writeFileSync(bad, 'this is not DICOM'.repeat(20));
    const peer = { host: '127.0.0.1', port: node.dicomPort, aeTitle: 'SHARPXR' };
    const refused = await storescuTo(peer, [bad]);
    assert.notEqual(refused.code, 0, 'storescu must fail on a non-DICOM file');
    const config = writeStorescuConfig(join(tmp.dir, 'cfg'));
    const secondary = await storescuTo({ ...peer, aeTitle: 'NOT_US' }, [join(SHARED, 'chest', 'RG1_JLSN.dcm')], { config });
    assert.notEqual(secondary.code, 0, 'a wrong called AE title is rejected');
    assert.match(secondary.stderr + secondary.stdout, /Called AE Title Not Recognized|rejected/i);
    const ok = await storescuTo(peer, [join(SHARED, 'chest', 'RG1_JLSN.dcm')], { config });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((await node.health()).status, 'ok');
  });
});
