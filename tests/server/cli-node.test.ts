// `sharpxr jobs` and `sharpxr instances` against a real node database: list, filter, and send
// a dead-lettered job back to the queue (audited).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../server/src/cli/index.js';
import { createIngestSink, listAudit, migrateDatabase, openDatabase, type Database } from '../../server/src/db/index.js';
import type { StoredInstance } from '../../server/src/ingest/types.js';
import { PrismaJobQueue } from '../../server/src/queue/index.js';
import { tempDir } from './helpers.js';

function captured(): { io: { out: (l: string) => void; err: (l: string) => void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l) }, out, err };
}

function instance(n: number, bodyPart: string): StoredInstance {
  return {
    sopClassUid: '1.2.840.10008.5.1.4.1.1.1', sopInstanceUid: `1.2.3.${n}`, transferSyntaxUid: '1.2.840.10008.1.2.1',
    studyInstanceUid: '1.2.3', seriesInstanceUid: '1.2.3.0', modality: 'CR', bodyPartExamined: bodyPart,
    path: `/store/${n}.dcm`, sizeBytes: 10, callingAeTitle: 'MOD', associationId: 'a', receivedAt: new Date(Date.UTC(2026, 0, n)),
  };
}

describe('sharpxr jobs / instances', () => {
  const tmp = tempDir('sharpxr-cli-node-');
  const configFile = join(tmp.dir, 'node.yaml');
  let db: Database;
  let deadJobId: string;

  before(async () => {
    writeFileSync(configFile, 'dataDir: var\n');
    const url = `file:${join(tmp.dir, 'var', 'sharpxr.db')}`;
    await migrateDatabase(url);
    db = await openDatabase({ url });
    const queue = new PrismaJobQueue(db);
    const sink = createIngestSink({
      db, queue,
      select: (i) => (i.bodyPartExamined === 'CHEST' ? { selected: true } : { selected: false, reason: `skipped: no rule matched (BodyPartExamined=${i.bodyPartExamined})` }),
      job: () => ({ modelId: 'm', modelVersion: '1', paramsHash: 'h' }),
    });
    await sink.record(instance(1, 'CHEST'));
    await sink.record(instance(2, 'HIP'));
    const claimed = await queue.claim('w', 60_000);
    deadJobId = claimed!.id;
    await queue.fail(deadJobId, 'w', 'MalformedDicomError: truncated', { retryable: false });
  });
  after(async () => {
    await db?.$disconnect();
    tmp.cleanup();
  });

  it('lists skipped instances with their reason', async () => {
    const c = captured();
    assert.equal(await main(['instances', '--status', 'skipped', '--config', configFile], c.io), 0);
    assert.equal(c.out.length, 1);
    assert.match(c.out[0]!, /^1\.2\.3\.2\tskipped\tCR\tHIP\t\tskipped: no rule matched \(BodyPartExamined=HIP\)$/);
  });

  it('lists dead jobs and retries them, with an audit record', async () => {
    const list = captured();
    assert.equal(await main(['jobs', 'list', '--state', 'dead', '--config', configFile], list.io), 0);
    assert.equal(list.out.length, 1);
    assert.match(list.out[0]!, new RegExp(`^${deadJobId}\\tdead\\tattempts=1/5\\t1\\.2\\.3\\.1\\tMalformedDicomError: truncated`));
    const retry = captured();
    assert.equal(await main(['jobs', 'retry', '--all-dead', '--config', configFile], retry.io), 0);
    assert.deepEqual(retry.out, [`${deadJobId} queued`]);
    const job = await new PrismaJobQueue(db).get(deadJobId);
    assert.equal(job?.state, 'queued');
    assert.equal(job?.attempts, 0);
    const audit = await listAudit(db);
    assert.ok(audit.some((a) => a.action.includes('retry') && a.actor.startsWith('cli:')), JSON.stringify(audit));
  });

  it('shows one job with its audit trail', async () => {
    const c = captured();
    assert.equal(await main(['jobs', 'show', deadJobId, '--config', configFile], c.io), 0);
    const shown = JSON.parse(c.out.join('\n'));
    assert.equal(shown.id, deadJobId);
    assert.equal(shown.sopInstanceUid, '1.2.3.1');
    assert.deepEqual(shown.deliveries, []);
    assert.ok(shown.audit.some((a: { action: string }) => a.action === 'job.dead-lettered'));
    const missing = captured();
    assert.equal(await main(['jobs', 'show', 'nope', '--config', configFile], missing.io), 1);
    assert.match(missing.err.join('\n'), /no job nope/);
  });

  it('rejects an unknown state', async () => {
    const c = captured();
    assert.equal(await main(['jobs', 'list', '--state', 'lost', '--config', configFile], c.io), 2);
    assert.match(c.err.join('\n'), /unknown state "lost"/);
  });
});
