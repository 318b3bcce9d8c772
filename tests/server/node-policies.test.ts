// Policies of the running node, end to end into Orthanc: the fidelity guard's "send-marked"
// and "hold", Secondary Capture per destination, duplicate sends, and graceful shutdown.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../server/src/cli/index.js';
import { freshFixtureCopies, sopInstanceUidOf, tempDir } from './helpers.js';
import { storescu as storescuTo } from '../helpers/dcmtk.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { dcmtkMissing, freePort, orthancMissing, startOrthanc, waitFor, type OrthancHandle } from '../helpers/orthanc.js';

const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';
const skip = orthancMissing() ?? dcmtkMissing() ?? false;

function freshInstance(dir: string, name: string): string {
  return freshFixtureCopies(dir, [name])[0]!;
}

async function derivedInstances(orthanc: OrthancHandle): Promise<Record<string, unknown>[]> {
  const ids = await orthanc.rest<string[]>('/tools/find', { method: 'POST', body: JSON.stringify({ Level: 'Instance', Query: { SeriesDescription: '*DENOISED*' } }) });
  return Promise.all(ids.map((id) => orthanc.instanceTags(id)));
}

describe('node policies', { skip }, () => {
  const tmp = tempDir('sharpxr-policies-');
  let orthanc: OrthancHandle;
  const nodes: NodeProcess[] = [];

  before(async () => { orthanc = await startOrthanc({ aet: 'ORTHANC' }); });
  after(async () => {
    for (const n of nodes) await n.kill9();
    await orthanc?.stop();
    tmp.cleanup();
  });

  async function node(name: string, extra: Record<string, unknown>): Promise<NodeProcess> {
    const n = await startNodeProcess({
      dir: join(tmp.dir, name), dicomPort: await freePort(), httpPort: await freePort(),
      config: { destinations: [{ name: 'pacs', aeTitle: 'ORTHANC', host: '127.0.0.1', port: orthanc.dicomPort }], ...extra },
    });
    nodes.push(n);
    return n;
  }

  async function send(n: NodeProcess, file: string): Promise<void> {
    const r = await storescuTo({ host: '127.0.0.1', port: n.dicomPort, aeTitle: 'SHARPXR' }, [file]);
    assert.equal(r.code, 0, r.stderr);
  }

  it('guard "send-marked": a flagged image is sent with GUARD in its series description', async () => {
    const n = await node('marked', { processing: { maxClippedFraction: 0, guardPolicy: 'send-marked' } });
    await send(n, freshInstance(join(tmp.dir, 'in'), 'marked'));
    const done = await n.waitForLog((r) => r.msg === 'job exported', 30_000, 'the job');
    assert.equal(done.guardFlagged, true);
    const found = await waitFor(async () => (await derivedInstances(orthanc)).find((t) => /GUARD/.test(String(t.SeriesDescription))), 10_000, 'the GUARD series');
    assert.match(String(found.SeriesDescription), /DENOISED .*GUARD/);
    const metrics = await (await fetch(`${n.httpUrl}/metrics`)).text();
    assert.match(metrics, /sharpxr_guard_trips_total\{policy="send-marked"\} 1/);
    await n.stop();
  });

  it('guard "hold": a flagged image is not sent, and the job says so', async () => {
    const n = await node('hold', { processing: { maxClippedFraction: 0, guardPolicy: 'hold' } });
    const before = (await derivedInstances(orthanc)).length;
    const heldFile = freshInstance(join(tmp.dir, 'in'), 'hold');
    const heldUid = sopInstanceUidOf(heldFile);
    await send(n, heldFile);
    const done = await n.waitForLog((r) => r.msg === 'job held by the guard policy (not sent)', 30_000, 'the held job');
    assert.equal(done.held, true);
    assert.ok(!n.records().some((r) => r.msg === 'derived instance sent'));
    assert.equal((await derivedInstances(orthanc)).length, before);
    // A person decides to send it anyway: it goes out marked GUARD, and only this once.
    const out: string[] = [];
    const code = await main(['jobs', 'send-held', String(done.jobId), '--config', n.configFile], { out: (l) => out.push(l), err: (l) => out.push(l) });
    assert.equal(code, 0, out.join('\n'));
    const sent = await n.waitForLog((r) => r.msg === 'job exported' && r.jobId === done.jobId, 30_000, 'the released job');
    assert.equal(sent.held, false);
    assert.equal(sent.guardFlagged, true);
    const all = await waitFor(async () => {
      const now = await derivedInstances(orthanc);
      return now.length === before + 1 ? now : undefined;
    }, 10_000, 'the released image in Orthanc');
    const released = all.find((t) => (t.SourceImageSequence as { ReferencedSOPInstanceUID?: string }[])[0]?.ReferencedSOPInstanceUID === heldUid);
    assert.ok(released, 'the derived image of the held source');
    assert.match(String(released.SeriesDescription), /GUARD/);
    await n.stop();
  });

  it('Secondary Capture for a destination that asks for it; a duplicate send makes no second job', async () => {
    const n = await startNodeProcess({
      dir: join(tmp.dir, 'sc'), dicomPort: await freePort(), httpPort: await freePort(),
      config: { destinations: [{ name: 'old-pacs', aeTitle: 'ORTHANC', host: '127.0.0.1', port: orthanc.dicomPort, secondaryCapture: true }] },
    });
    nodes.push(n);
    const file = freshInstance(join(tmp.dir, 'in'), 'sc');
    await send(n, file);
    await n.waitForLog((r) => r.msg === 'job exported', 30_000, 'the job');
    const sc = await waitFor(async () => (await derivedInstances(orthanc)).find((t) => t.SOPClassUID === SECONDARY_CAPTURE), 10_000, 'the SC object');
    assert.equal(sc.Modality, 'CR');
    await send(n, file);
    await n.waitForLog((r) => r.msg === 'C-STORE stored' && r.outcome === 'duplicate', 10_000, 'the duplicate');
    const health = await n.health();
    const jobs = health.jobs as Record<string, number>;
    assert.equal(Object.values(jobs).reduce((a, b) => a + b, 0), 1, JSON.stringify(jobs));
    await n.stop();
  });

  it('SIGTERM while a job runs: the job finishes and is sent, then the node exits cleanly', async () => {
    const n = await node('graceful', { model: { tile: 32, overlap: 8 } });
    await send(n, freshInstance(join(tmp.dir, 'in'), 'graceful'));
    await n.waitForLog((r) => r.msg === 'job started', 20_000, 'the job to start');
    const code = await n.stop();
    assert.equal(code, 0);
    const msgs = n.records().map((r) => r.msg);
    assert.ok(msgs.indexOf('job exported') > msgs.indexOf('stopping: no new associations; finishing jobs in flight'), msgs.join('\n'));
    assert.equal(msgs[msgs.length - 1], 'stopped');
  });
});
