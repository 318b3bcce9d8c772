// Crash and outage tests of the node as a real process (issue 3): kill -9 right after the
// C-STORE responses, kill -9 while a job is being processed, and a destination that is down
// and comes back. Every acknowledged instance must reach the PACS exactly once.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freshFixtureCopies, sopInstanceUidOf, tempDir } from './helpers.js';
import { storescu as storescuTo } from '../helpers/dcmtk.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { dcmtkMissing, freePort, orthancMissing, startOrthanc, waitFor, type OrthancHandle } from '../helpers/orthanc.js';

const skip = orthancMissing() ?? dcmtkMissing() ?? false;

/** `count` copies of the fixture CR with new SOP Instance UIDs, same study. */
function distinctInstances(dir: string, count: number): string[] {
  return freshFixtureCopies(dir, Array.from({ length: count }, (_, i) => `cr-${i}`));
}

/** Derived instances in Orthanc whose SourceImageSequence points at `sourceUid`. */
async function derivedOf(orthanc: OrthancHandle, sourceUid: string): Promise<string[]> {
  const found = await orthanc.rest<{ ID: string; MainDicomTags: Record<string, string> }[]>('/tools/find', {
    method: 'POST', body: JSON.stringify({ Level: 'Instance', Query: { SeriesDescription: '*DENOISED*' }, Expand: true }),
  });
  const matches: string[] = [];
  for (const inst of found) {
    const tags = await orthanc.instanceTags(inst.ID);
    const refs = (tags.SourceImageSequence as { ReferencedSOPInstanceUID?: string }[] | undefined) ?? [];
    if (refs.some((r) => r.ReferencedSOPInstanceUID === sourceUid)) matches.push(inst.ID);
  }
  return matches;
}

async function jobCounts(node: NodeProcess): Promise<Record<string, number>> {
  return (await node.health()).jobs as Record<string, number>;
}

describe('node crash and outage', { skip }, () => {
  const tmp = tempDir('sharpxr-crash-');
  let orthanc: OrthancHandle;
  const nodes: NodeProcess[] = [];
  let nodePort: number;

  before(async () => {
    orthanc = await startOrthanc({ aet: 'ORTHANC' });
    nodePort = await freePort();
  });
  after(async () => {
    for (const n of nodes) await n.kill9();
    await orthanc?.stop();
    tmp.cleanup();
  });

  const peer = () => ({ host: '127.0.0.1', port: nodePort, aeTitle: 'SHARPXR' });

  async function start(dir: string, extra: Record<string, unknown> = {}, port = orthanc.dicomPort): Promise<NodeProcess> {
    const node = await startNodeProcess({
      dir, dicomPort: nodePort, httpPort: await freePort(),
      config: {
        destinations: [{ name: 'pacs', aeTitle: 'ORTHANC', host: '127.0.0.1', port }],
        queue: { leaseMs: 2000, backoffBaseMs: 200, backoffMaxMs: 1000, maxAttempts: 3, pollMs: 100 },
        ...extra,
      },
    });
    nodes.push(node);
    return node;
  }

  it('kill -9 right after the C-STORE responses: every acknowledged instance is exported exactly once', async () => {
    const dir = join(tmp.dir, 'a');
    const files = distinctInstances(join(dir, 'in'), 8);
    const first = await start(dir);
    const sent = await storescuTo(peer(), files);
    assert.equal(sent.code, 0, sent.stderr);
    await first.kill9();
    const exportedBefore = first.records().filter((r) => r.msg === 'job exported').length;
    assert.ok(exportedBefore < files.length, `all ${files.length} were exported before the kill; the test proves nothing`);
    const second = await start(dir);
    await waitFor(async () => (await jobCounts(second)).exported === files.length, 60_000, 'all jobs exported after restart');
    for (const file of files) assert.equal((await derivedOf(orthanc, sopInstanceUidOf(file))).length, 1, file);
    await second.stop();
  });

  it('kill -9 while a job is processed: the job is taken up again after its lease and exported once', async () => {
    const dir = join(tmp.dir, 'b');
    const [file] = distinctInstances(join(dir, 'in'), 1);
    // Tiny tiles make the job take over a second, so the kill lands inside it.
    const slow = { model: { tile: 32, overlap: 8 } };
    const first = await start(dir, slow);
    assert.equal((await storescuTo(peer(), [file!])).code, 0);
    await first.waitForLog((r) => r.msg === 'job started', 20_000, 'the job to start');
    await first.kill9();
    assert.ok(!first.records().some((r) => r.msg === 'job exported'), 'the job finished before the kill');
    const second = await start(dir, slow);
    const done = await second.waitForLog((r) => r.msg === 'job exported', 60_000, 'the job to be exported');
    assert.equal(done.attempt, 2, 'the second claim is the second attempt');
    assert.equal((await derivedOf(orthanc, sopInstanceUidOf(file!))).length, 1);
    await second.stop();
  });

  it('a destination that is down makes jobs wait without using up attempts or re-processing, then delivers', async () => {
    const dir = join(tmp.dir, 'c');
    const [file] = distinctInstances(join(dir, 'in'), 1);
    const downPort = await freePort();
    // Two attempts only: an outage must not consume them (five failed sends happen below).
    const node = await start(dir, { queue: { leaseMs: 2000, backoffBaseMs: 100, backoffMaxMs: 300, maxAttempts: 2, pollMs: 50 } }, downPort);
    assert.equal((await storescuTo(peer(), [file!])).code, 0);
    await waitFor(() => node.records().filter((r) => r.msg === 'job failed; will retry').length >= 5, 30_000, 'five failed export attempts');
    const pacs = await startOrthanc({ aet: 'ORTHANC', dicomPort: downPort });
    try {
      const done = await node.waitForLog((r) => r.msg === 'job exported', 30_000, 'delivery once the PACS is up');
      assert.equal(done.attempt, 1, 'the outage gave every attempt back');
      const starts = node.records().filter((r) => r.msg === 'job started');
      assert.equal(starts[0]!.reused, false);
      assert.ok(starts.slice(1).every((r) => r.reused === true), 'retries send the kept derived object without processing again');
      assert.equal((await derivedOf(pacs, sopInstanceUidOf(file!))).length, 1);
      assert.equal((await jobCounts(node)).dead, 0);
    } finally {
      await node.stop();
      await pacs.stop();
    }
  });
});
