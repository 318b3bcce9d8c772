// The viewer's JSON API on a real database with real jobs: feedback stored with the model the
// job says made the series (409 when the client claims another), validation, the audit event,
// the per-version tally, the studies the compare mode is offered for, the series lookup, and
// `sharpxr feedback` reading the same rows.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../server/src/cli/index.js';
import { listAudit, recordInstance, type Database } from '../../server/src/db/index.js';
import { PrismaJobQueue, type JobResult } from '../../server/src/queue/index.js';
import { tempDir } from './helpers.js';
import { openMigrated, startViewerApp, type ViewerApp } from './viewer-fixture.js';

const MODEL = { id: 'sharpxr-product', v1: '1.0.0', v2: '2.0.0' };
/**
 * Exported (v1), held by the guard, exported (v2), still queued: only the two exported and sent
 * count as "in the PACS". The queued one comes last: a claim takes the oldest queued job.
 */
const JOBS = [
  { n: 1, study: '1.2.9.100', series: '2.25.1000', version: MODEL.v1, end: 'exported' },
  { n: 2, study: '1.2.9.300', series: '2.25.3000', version: MODEL.v1, end: 'held' },
  { n: 4, study: '1.2.9.500', series: '2.25.5000', version: MODEL.v2, end: 'exported' },
  { n: 3, study: '1.2.9.400', series: null, version: MODEL.v1, end: 'queued' },
] as const;

async function makeJobs(db: Database): Promise<Map<number, string>> {
  const queue = new PrismaJobQueue(db);
  const ids = new Map<number, string>();
  for (const j of JOBS) {
    const instance = await recordInstance(db, {
      sopClassUid: '1.2.840.10008.5.1.4.1.1.1', sopInstanceUid: `1.2.9.${j.n}.1`, transferSyntaxUid: '1.2.840.10008.1.2.1',
      studyInstanceUid: j.study, seriesInstanceUid: `${j.study}.1`, path: `/in/${j.n}.dcm`, sizeBytes: 10,
      callingAeTitle: 'CR1', associationId: 'a', receivedAt: new Date(),
    }, { selected: true });
    const { job } = await queue.enqueue({
      instanceId: instance.id, sopInstanceUid: instance.sopInstanceUid, studyInstanceUid: j.study, modelId: MODEL.id, modelVersion: j.version, paramsHash: 'p',
    });
    ids.set(j.n, job.id);
    if (j.end === 'queued') continue;
    const claimed = await queue.claim('w', 60_000);
    assert.equal(claimed?.id, job.id);
    const result: JobResult = {
      derivedSopInstanceUid: `${j.series}.1`, derivedSeriesInstanceUid: j.series!, derivedPath: `/out/${j.n}.dcm`,
      guardClippedFraction: 0.002, guardMaxChange: 0.31, guardFlagged: j.end === 'held', held: j.end === 'held', timingsMs: { inferMs: 800 },
    };
    await queue.complete(job.id, 'w', result);
  }
  return ids;
}

function captured(): { io: { out: (l: string) => void; err: (l: string) => void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l) }, out, err };
}

describe('viewer API', () => {
  const tmp = tempDir('sharpxr-viewer-api-');
  let db: Database;
  let app: ViewerApp;
  let jobIds: Map<number, string>;
  const post = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    app.fetch(`/api/feedback`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const feedbackCount = () => db.feedback.count();

  before(async () => {
    db = await openMigrated(tmp.dir);
    jobIds = await makeJobs(db);
    app = await startViewerApp({ dir: tmp.dir, db });
  });
  after(async () => {
    await app?.close();
    await db?.$disconnect();
    tmp.cleanup();
  });

  it('stores feedback with the model and study of the job that made the series, and audits it', async () => {
    const res = await post({ seriesInstanceUid: '2.25.1000', verdict: 'reject', reason: 'lost a fine line\tnear the hilum' });
    assert.equal(res.status, 201);
    const body = await res.json() as Record<string, unknown>;
    assert.equal(body.modelId, MODEL.id);
    assert.equal(body.modelVersion, MODEL.v1);
    assert.equal(body.jobId, jobIds.get(1));
    assert.equal(body.studyInstanceUid, '1.2.9.100');
    assert.equal(body.sopInstanceUid, '2.25.1000.1');
    const row = await db.feedback.findUniqueOrThrow({ where: { id: String(body.id) } });
    assert.equal(row.verdict, 'reject');
    assert.equal(row.reason, 'lost a fine line\tnear the hilum');
    const audit = await listAudit(db, { action: 'feedback.recorded' });
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.subject, `job:${jobIds.get(1)}`);
    const detail = JSON.parse(audit[0]!.detailJson!) as Record<string, unknown>;
    assert.deepEqual(detail, { feedbackId: body.id, verdict: 'reject', modelId: MODEL.id, modelVersion: MODEL.v1, seriesInstanceUid: '2.25.1000' });
    assert.doesNotMatch(audit[0]!.detailJson!, /fine line/, 'the free-text reason stays out of the audit trail');
  });

  it('accepts a client claim that matches the job, and answers 409 to one that contradicts it', async () => {
    const ok = await post({ seriesInstanceUid: '2.25.1000', verdict: 'accept', modelId: MODEL.id, modelVersion: MODEL.v1, studyInstanceUid: '1.2.9.100', sopInstanceUid: '2.25.1000.1' });
    assert.equal(ok.status, 201);
    const before = await feedbackCount();
    const wrongVersion = await post({ seriesInstanceUid: '2.25.1000', verdict: 'accept', modelId: MODEL.id, modelVersion: '9.9.9' });
    assert.equal(wrongVersion.status, 409);
    assert.match(((await wrongVersion.json()) as { error: string }).error, /^modelVersion: the series 2\.25\.1000 was made by job \S+ with modelVersion "1\.0\.0", not "9\.9\.9"$/);
    const wrongInstance = await post({ seriesInstanceUid: '2.25.1000', verdict: 'accept', sopInstanceUid: '2.25.9.9' });
    assert.equal(wrongInstance.status, 409);
    assert.equal(await feedbackCount(), before, 'nothing stored on 409');
  });

  it('stores feedback on a series no job of this node made only with the model named, unlinked', async () => {
    const bare = await post({ seriesInstanceUid: '2.25.7777', verdict: 'accept' });
    assert.equal(bare.status, 400);
    assert.match(((await bare.json()) as { error: string }).error, /^modelId: required, the series 2\.25\.7777 is not one of this node's jobs$/);
    const named = await post({ seriesInstanceUid: '2.25.7777', verdict: 'accept', modelId: 'other-model', modelVersion: '0.1' });
    assert.equal(named.status, 201);
    const body = await named.json() as Record<string, unknown>;
    assert.equal(body.jobId, null);
    assert.equal(body.modelId, 'other-model');
  });

  it('answers 400 / 413 / 415 to bad requests, naming the field, and stores nothing', async () => {
    const before = await feedbackCount();
    const cases: [unknown, RegExp][] = [
      [{ seriesInstanceUid: '2.25.1000', verdict: 'maybe' }, /^verdict: /],
      [{ verdict: 'accept' }, /^seriesInstanceUid: /],
      [{ seriesInstanceUid: 'not-a-uid', verdict: 'accept' }, /^seriesInstanceUid: not a DICOM UID/],
      [{ seriesInstanceUid: '2.25.1000', verdict: 'accept', reason: 'x'.repeat(1001) }, /^reason: /],
      [{ seriesInstanceUid: '2.25.1000', verdict: 'accept', patientName: 'DOE^JOHN' }, /unrecognized key.*patientName/i],
      ['{"seriesInstanceUid": ', /^body: not valid JSON$/],
      [[1, 2], /^body: /],
    ];
    for (const [body, message] of cases) {
      const res = await post(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(((await res.json()) as { error: string }).error, message, JSON.stringify(body));
    }
    const plain = await post('verdict=accept', { 'content-type': 'text/plain' });
    assert.equal(plain.status, 415);
    const huge = await post({ seriesInstanceUid: '2.25.1000', verdict: 'accept', reason: 'x'.repeat(17_000) });
    assert.equal(huge.status, 413);
    assert.deepEqual(await huge.json(), { error: 'body: larger than 16384 bytes' });
    assert.equal(await feedbackCount(), before);
  });

  it('lists feedback per model, with the tally per version', async () => {
    await post({ seriesInstanceUid: '2.25.5000', verdict: 'accept' });
    const all = await (await app.fetch(`/api/feedback?model=${MODEL.id}`)).json() as any;
    assert.deepEqual(all.summary, {
      total: 3, accept: 2, reject: 1,
      byVersion: { [`${MODEL.id}@${MODEL.v1}`]: { accept: 1, reject: 1 }, [`${MODEL.id}@${MODEL.v2}`]: { accept: 1, reject: 0 } },
    });
    assert.equal(all.items.length, 3);
    assert.ok(all.items.every((i: any) => i.modelId === MODEL.id), 'other-model is filtered out');
    const v2 = await (await app.fetch(`/api/feedback?model=${MODEL.id}@${MODEL.v2}`)).json() as any;
    assert.equal(v2.summary.total, 1);
    assert.equal(v2.items[0].seriesInstanceUid, '2.25.5000');
    const everything = await (await app.fetch(`/api/feedback?limit=1`)).json() as any;
    assert.equal(everything.items.length, 1, 'limit pages the items');
    assert.equal(everything.summary.total, 4, '... but the tally counts all');
    for (const bad of ['model=@1.0', 'model=x@', 'limit=0', 'limit=abc']) {
      assert.equal((await app.fetch(`/api/feedback?${bad}`)).status, 400, bad);
    }
  });

  it('lists the studies with a derived series in the PACS (exported, not held)', async () => {
    const res = await app.fetch(`/api/viewer/studies`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { studyInstanceUids: ['1.2.9.100', '1.2.9.500'] });
    const filtered = await (await app.fetch(`/api/viewer/studies?studyInstanceUid=1.2.9.500,1.2.9.300`)).json();
    assert.deepEqual(filtered, { studyInstanceUids: ['1.2.9.500'] });
  });

  it('tells the viewer which job made a series, 404 when none did', async () => {
    const res = await app.fetch(`/api/viewer/series/2.25.5000`);
    assert.equal(res.status, 200);
    const series = await res.json() as any;
    assert.equal(series.jobId, jobIds.get(4));
    assert.equal(series.modelVersion, MODEL.v2);
    assert.equal(series.state, 'exported');
    assert.equal(series.sourceSopInstanceUid, '1.2.9.4.1');
    assert.deepEqual(series.guard, { clippedFraction: 0.002, maxChange: 0.31, flagged: false });
    assert.deepEqual(series.timingsMs, { inferMs: 800 });
    assert.equal(series.jobs.length, 1);
    const held = await (await app.fetch(`/api/viewer/series/2.25.3000`)).json() as any;
    assert.equal(held.held, true);
    const unknown = await app.fetch(`/api/viewer/series/2.25.404`);
    assert.equal(unknown.status, 404);
    assert.match(((await unknown.json()) as { error: string }).error, /no job of this node made the series 2\.25\.404/);
    assert.equal((await app.fetch(`/api/viewer/series/abc`)).status, 400);
  });

  it('prints the same through `sharpxr feedback`', async () => {
    const configFile = join(tmp.dir, 'node.yaml');
    writeFileSync(configFile, 'dataDir: var\n');
    const text = captured();
    assert.equal(await main(['feedback', '--model', MODEL.id, '--config', configFile], text.io), 0, text.err.join('\n'));
    const rows = text.out.filter((l) => /^\d{4}-/.test(l));
    assert.equal(rows.length, 3);
    assert.match(rows.at(-1)!, new RegExp(`^\\S+\\treject\\t${MODEL.id}@1\\.0\\.0\\t2\\.25\\.1000\\t${jobIds.get(1)}\\tlost a fine line near the hilum$`));
    assert.ok(text.out.includes(`${MODEL.id}@1.0.0\taccept=1\treject=1\taccepted=50.0%`), text.out.join('\n'));
    assert.ok(text.out.includes(`${MODEL.id}@2.0.0\taccept=1\treject=0\taccepted=100.0%`), text.out.join('\n'));
    assert.equal(text.out.at(-1), 'total\taccept=2\treject=1\taccepted=66.7%');
    const json = captured();
    assert.equal(await main(['feedback', '--model', `${MODEL.id}@${MODEL.v2}`, '--json', '--config', configFile], json.io), 0);
    const parsed = JSON.parse(json.out.join('\n'));
    assert.equal(parsed.summary.total, 1);
    assert.equal(parsed.items[0].modelVersion, MODEL.v2);
    const bad = captured();
    assert.equal(await main(['feedback', '--model', '@x', '--config', configFile], bad.io), 2);
    assert.match(bad.err[0]!, /--model must be <id> or <id>@<version>/);
  });
});
