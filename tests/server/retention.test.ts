// Retention: which files a sweep deletes (finished and old) and which it keeps (needed by a
// job that may still run, or recent), on a real database and real files.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { migrateDatabase, openDatabase, recordInstance, type Database } from '../../server/src/db/index.js';
import { purgeExpired } from '../../server/src/node/retention.js';
import { PrismaJobQueue, type JobResult } from '../../server/src/queue/index.js';
import { tempDir } from './helpers.js';

const NOW = new Date(Date.UTC(2026, 5, 30));
const DAY = 86_400_000;
const RESULT: JobResult = {
  derivedSopInstanceUid: '2.25.1', derivedSeriesInstanceUid: '2.25.2', derivedPath: '/d.dcm',
  guardClippedFraction: 0.01, guardMaxChange: 1, guardFlagged: false, held: false, timingsMs: {},
};

type Fate = 'skipped' | 'exported' | 'held' | 'dead' | 'queued';

describe('retention', () => {
  const tmp = tempDir('sharpxr-retention-');
  const store = join(tmp.dir, 'store');
  const derived = join(tmp.dir, 'derived');
  let db: Database;
  after(async () => {
    await db?.$disconnect();
    tmp.cleanup();
  });

  async function instance(name: string, fate: Fate, ageDays: number, queue: PrismaJobQueue): Promise<string> {
    const path = join(store, 'instances', '1.2.3', `${name}.dcm`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, 'x'.repeat(100));
    const row = await recordInstance(db, {
      sopClassUid: '1.2.840.10008.5.1.4.1.1.1', sopInstanceUid: `1.2.3.${name.length}.${name.charCodeAt(0)}`, transferSyntaxUid: '1.2.840.10008.1.2.1',
      studyInstanceUid: '1.2.3', seriesInstanceUid: '1.2.3.9', path, sizeBytes: 100, callingAeTitle: 'CR1', associationId: 'a',
      receivedAt: new Date(NOW.getTime() - ageDays * DAY),
    }, fate === 'skipped' ? { selected: false, reason: 'not chest' } : { selected: true });
    if (fate === 'skipped') return path;
    const { job } = await queue.enqueue({ instanceId: row.id, sopInstanceUid: row.sopInstanceUid, studyInstanceUid: '1.2.3', modelId: 'm', modelVersion: '1', paramsHash: 'p' });
    if (fate === 'queued') return path;
    const claimed = await queue.claim('w', 60_000);
    assert.equal(claimed?.id, job.id);
    if (fate === 'dead') await queue.fail(job.id, 'w', 'bad', { retryable: false });
    else await queue.complete(job.id, 'w', { ...RESULT, held: fate === 'held', guardFlagged: fate === 'held' });
    return path;
  }

  it('deletes old files no job needs, keeps the rest, and marks the rows', async () => {
    const url = `file:${join(tmp.dir, 'sharpxr.db')}`;
    await migrateDatabase(url);
    db = await openDatabase({ url });
    const queue = new PrismaJobQueue(db);
    const files = {
      oldSkipped: await instance('a', 'skipped', 20, queue),
      oldExported: await instance('bb', 'exported', 20, queue),
      oldHeld: await instance('ccc', 'held', 20, queue),
      oldDead: await instance('dddd', 'dead', 20, queue),
      newExported: await instance('ffffff', 'exported', 2, queue),
      oldQueued: await instance('eeeee', 'queued', 20, queue), // last: nothing claims it
    };
    const oldDerived = join(derived, '1.2.3', '2.25.1.dcm');
    const newDerived = join(derived, '1.2.3', '2.25.2.dcm');
    const lonelyDerived = join(derived, '1.2.4', '2.25.3.dcm');
    for (const f of [oldDerived, newDerived, lonelyDerived]) {
      mkdirSync(dirname(f), { recursive: true });
      writeFileSync(f, 'y'.repeat(50));
    }
    const old = new Date(NOW.getTime() - 20 * DAY);
    utimesSync(oldDerived, old, old);
    utimesSync(lonelyDerived, old, old);

    const report = await purgeExpired({ db, storeDir: store, derivedDir: derived, retentionDays: 14, now: () => NOW });
    assert.deepEqual(report, { receivedFiles: 2, derivedFiles: 2, bytes: 300 });
    assert.ok(!existsSync(files.oldSkipped) && !existsSync(files.oldExported), 'finished and old: deleted');
    for (const keep of [files.oldHeld, files.oldDead, files.oldQueued, files.newExported]) assert.ok(existsSync(keep), keep);
    assert.ok(!existsSync(oldDerived) && existsSync(newDerived));
    assert.ok(!existsSync(dirname(lonelyDerived)), 'an emptied study folder goes too');
    const purged = await db.instance.findMany({ where: { purgedAt: { not: null } } });
    assert.deepEqual(purged.map((r) => r.path).sort(), [files.oldExported, files.oldSkipped].sort());
    assert.equal(await db.instance.count(), 6, 'rows stay');

    const again = await purgeExpired({ db, storeDir: store, derivedDir: derived, retentionDays: 14, now: () => NOW });
    assert.deepEqual(again, { receivedFiles: 0, derivedFiles: 0, bytes: 0 }, 'a second sweep finds nothing');
  });
});
