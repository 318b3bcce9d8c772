// Node benchmark (issue 3), printed, never asserted:
// 1. Ingest throughput: storescu -> the SharpXR node (durable store + database record) and
//    storescu -> DCMTK storescp, the same chest files over loopback, as MB/s, instances/s and
//    their ratio (target: at least a third of storescp's MB/s).
// 2. End-to-end latency of the 2000x2128 DX chest film: storescu C-STORE to the node until the
//    derived instance is stored in Orthanc, with the node's stage timings (target: <= 8 s).
// Prints human lines and one JSON line `{"bench":"node",...}` for run.ts.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from '../server/helpers.js';
import { formatThroughput, measureStoreThroughput, startStorescp, storescu, writeStorescuConfig, type Throughput } from '../helpers/dcmtk.js';
import { startNodeProcess } from '../helpers/node-process.js';
import { freePort, orthancMissing, startOrthanc, waitFor } from '../helpers/orthanc.js';

const CHEST_DIR = join(ROOT, '..', 'shared', 'data', 'dicom', 'chest');
const DX = join(CHEST_DIR, 'DX_chest_966_fixed_J2KR.dcm');

async function ingest(dir: string, files: string[]): Promise<{ ours: Throughput; storescp: Throughput }> {
  const config = writeStorescuConfig(join(dir, 'cfg'));
  // Rules that select nothing: every instance is stored and recorded, no job competes for CPU.
  const node = await startNodeProcess({
    dir, dicomPort: await freePort(), httpPort: await freePort(),
    config: { rules: [{ name: 'bench-none', modality: ['NONE'] }], log: { level: 'warn' } },
  });
  const peer = { host: '127.0.0.1', port: node.dicomPort, aeTitle: 'SHARPXR' };
  // One unmeasured pass first, for both peers: the first association also pays for JIT
  // compilation and the database's first queries, which no long-running node pays again.
  await measureStoreThroughput({ label: 'warm-up', peer, files, config, runs: 1, repeat: 1 });
  const ours = await measureStoreThroughput({ label: 'SharpXR node', peer, files, config, runs: 5, repeat: 3 });
  await node.stop();
  const scpDir = join(dir, 'storescp');
  const scp = await startStorescp(scpDir);
  await measureStoreThroughput({ label: 'warm-up', peer: scp, files, config, runs: 1, repeat: 1 });
  const theirs = await measureStoreThroughput({
    label: 'DCMTK storescp', peer: scp, files, config, runs: 5, repeat: 3,
    beforeRun: () => { for (const f of readdirSync(scpDir)) rmSync(join(scpDir, f), { recursive: true, force: true }); },
  });
  await scp.stop();
  return { ours, storescp: theirs };
}

async function endToEnd(dir: string): Promise<{ ms: number; timingsMs: Record<string, number> }> {
  const nodePort = await freePort();
  const orthanc = await startOrthanc({ aet: 'ORTHANC' });
  const node = await startNodeProcess({
    dir, dicomPort: nodePort, httpPort: await freePort(),
    config: { destinations: [{ name: 'pacs', aeTitle: 'ORTHANC', host: '127.0.0.1', port: orthanc.dicomPort }], log: { level: 'info' } },
  });
  try {
    const t0 = performance.now();
    const sent = await storescu({ host: '127.0.0.1', port: nodePort, aeTitle: 'SHARPXR' }, [DX], { extraArgs: ['-xv'] });
    if (sent.code !== 0) throw new Error(`storescu failed: ${sent.stderr}`);
    const receiveMs = performance.now() - t0;
    await waitFor(async () => {
      const found = await orthanc.rest<string[]>('/tools/find', { method: 'POST', body: JSON.stringify({ Level: 'Instance', Query: { SeriesDescription: '*DENOISED*' } }) });
      return found.length > 0;
    }, 120_000, 'the derived DX in Orthanc', 20);
    const ms = performance.now() - t0;
    const done = await node.waitForLog((r) => r.msg === 'job exported', 10_000, 'the job record');
    return { ms, timingsMs: { receiveMs: Math.round(receiveMs), ...(done?.timingsMs as Record<string, number>) } };
  } finally {
    await node.stop();
    await orthanc.stop();
  }
}

async function main(): Promise<void> {
  if (!existsSync(CHEST_DIR)) {
    console.log(JSON.stringify({ bench: 'node', skipped: `${CHEST_DIR} missing` }));
    return;
  }
  const tmp = tempDir('sharpxr-nodebench-');
  try {
    const files = readdirSync(CHEST_DIR).filter((f) => f.endsWith('.dcm')).map((f) => join(CHEST_DIR, f));
    const mb = files.reduce((s, f) => s + statSync(f).size, 0) / 1e6;
    console.log(`ingest: ${files.length} chest files, ${mb.toFixed(1)} MB, sent 3x per association, 5 runs after a warm-up`);
    const { ours, storescp } = await ingest(join(tmp.dir, 'ingest'), files);
    console.log(formatThroughput(ours));
    console.log(formatThroughput(storescp));
    const ratio = ours.medianMegabytesPerSecond / storescp.medianMegabytesPerSecond;
    const perSecond = (t: Throughput) => (files.length * 3) / (t.bytes / 1e6 / t.medianMegabytesPerSecond);
    console.log(`ratio: ${ratio.toFixed(2)} of storescp's MB/s; ${perSecond(ours).toFixed(1)} vs ${perSecond(storescp).toFixed(1)} instances/s`);
    let e2e: { ms: number; timingsMs: Record<string, number> } | { skipped: string } = { skipped: orthancMissing() ?? '' };
    if (!orthancMissing()) {
      e2e = await endToEnd(join(tmp.dir, 'e2e'));
      console.log(`end to end, DX 2000x2128 J2K: C-STORE -> derived in Orthanc ${Math.round(e2e.ms)} ms; stages ${JSON.stringify(e2e.timingsMs)}`);
    }
    console.log(JSON.stringify({
      bench: 'node', ingestMBps: ours.medianMegabytesPerSecond, storescpMBps: storescp.medianMegabytesPerSecond, ratio,
      instancesPerSecond: perSecond(ours), storescpInstancesPerSecond: perSecond(storescp), e2e,
    }));
  } finally {
    tmp.cleanup();
  }
}

await main();
