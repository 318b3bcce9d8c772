// The pipeline's child process failing (PipelineWorker): killed with SIGKILL while it reads or
// in the middle of inference, closed mid-run, past its time limit, unable to reload the model,
// and orphaned by a parent killed with SIGKILL. A failure costs its task a retryable
// PipelineWorkerError, never the caller's process; the child is replaced with the model reloaded.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ModelContractError, type RunnerOptions } from '../../server/src/pipeline/infer/index.js';
import { PipelineWorkerError } from '../../server/src/pipeline/pipeline-protocol.js';
import { PipelineWorker } from '../../server/src/pipeline/pipeline-worker.js';
import type { InstanceTimings } from '../../server/src/pipeline/process-instance.js';
import { classifyError } from '../../server/src/worker/errors.js';
import { processAlive } from '../helpers/worker-tests.js';
import { ROOT, tempDir, testModelPath } from './helpers.js';

const FIXTURE = join(ROOT, 'tests', 'fixtures', 'dicom', 'CR-MONO1-10-chest_dcmbench_explicitLE.dcm');
const RUNNER: Omit<RunnerOptions, 'log'> = { providers: ['cpu'] };
// Tiny tiles stretch the fixture's inference from ~0.1 s to ~1 s of back-to-back session.run
// calls (2 cores), so a kill aimed at its middle lands inside onnxruntime.
const SLOW: Omit<RunnerOptions, 'log'> = { providers: ['cpu'], tile: 32, overlap: 8 };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isWorkerError(pattern: RegExp): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof PipelineWorkerError, `expected PipelineWorkerError, got ${(err as Error)?.name}: ${(err as Error)?.message}`);
    assert.equal(classifyError(err).retryable, true, 'a dead pipeline worker is worth a retry');
    assert.match(err.message, pattern);
    return true;
  };
}

/** After sending a file: when its inference is half done, and how long the rest of it takes. */
function midInference(t: Omit<InstanceTimings, 'encodeMs' | 'totalMs'>): { atMs: number; restMs: number } {
  return { atMs: t.readMs + t.decodeMs + t.normalizeMs + t.inferMs / 2, restMs: t.inferMs / 2 };
}

/** A worker on the slow tiles, its children recorded, and the middle of a (warm) fixture run. */
async function startSlow(taskTimeoutMs?: number): Promise<{ pw: PipelineWorker; children: ChildProcess[]; mid: ReturnType<typeof midInference> }> {
  const children: ChildProcess[] = [];
  const pw = await PipelineWorker.start({ modelPath: testModelPath(), runner: SLOW, taskTimeoutMs, onChild: (c) => children.push(c) });
  const mid = midInference((await pw.denoise(FIXTURE)).timings);
  return { pw, children, mid };
}

describe('PipelineWorker: failing child processes', () => {
  const tmp = tempDir('sharpxr-pipeline-process-');
  after(() => tmp.cleanup());
  let slowMid = { atMs: 500, restMs: 500 }; // measured below; the fallback fits 2 cores

  it('fails the task of a child killed while it reads, reloads the model and runs the next task', async () => {
    const children: ChildProcess[] = [];
    const pw = await PipelineWorker.start({ modelPath: testModelPath(), runner: RUNNER, onChild: (c) => children.push(c) });
    try {
      const pending = pw.denoise(FIXTURE);
      children[0]!.kill('SIGKILL'); // as a native abort or the kernel's OOM killer would end it
      await assert.rejects(pending, isWorkerError(/exited \(signal SIGKILL\) while denoising .*CR-MONO1/));
      const next = await pw.denoise(FIXTURE);
      assert.equal(next.source.width, 440);
      assert.equal(children.length, 2);
      assert.deepEqual(pw.stats(), { busy: false, queued: 0, restarts: 1 });
    } finally {
      await pw.close();
    }
    await assert.rejects(pw.denoise(FIXTURE), isWorkerError(/closed/));
    assert.equal(children[1]!.signalCode, 'SIGKILL', 'close() ended the replacement');
  });

  it('fails the task of a child killed in the middle of inference; this process lives and the next task runs', async (t) => {
    const { pw, children, mid } = await startSlow();
    slowMid = mid;
    try {
      const pending = pw.denoise(FIXTURE);
      await sleep(mid.atMs);
      children[0]!.kill('SIGKILL'); // a worker thread terminated here would abort this whole process
      await assert.rejects(pending, isWorkerError(/exited \(signal SIGKILL\) while denoising .*CR-MONO1/));
      t.diagnostic(`killed ${mid.atMs.toFixed(0)} ms after sending, ${mid.restMs.toFixed(0)} ms before the run would have ended`);
      assert.equal((await pw.denoise(FIXTURE)).source.width, 440);
      assert.deepEqual(pw.stats(), { busy: false, queued: 0, restarts: 1 });
    } finally {
      await pw.close();
    }
  });

  it('closes in the middle of inference at once: fails the task and kills the child', async (t) => {
    const { pw, children, mid } = await startSlow();
    const settled = pw.denoise(FIXTURE).then(() => null, (err: unknown) => err); // rejected during close()
    await sleep(mid.atMs);
    const started = performance.now();
    await pw.close();
    const ms = performance.now() - started;
    t.diagnostic(`close took ${ms.toFixed(0)} ms, ${mid.restMs.toFixed(0)} ms before the run would have ended`);
    assert.ok(isWorkerError(/was closed/)(await settled));
    assert.equal(children[0]!.signalCode, 'SIGKILL');
    assert.ok(ms < mid.restMs / 2, 'close() did not wait for the run to return');
  });

  it('fails a task past its time limit and replaces the child at once', async () => {
    const limit = Math.round(slowMid.atMs); // inside the run
    const children: ChildProcess[] = [];
    const pw = await PipelineWorker.start({ modelPath: testModelPath(), runner: SLOW, taskTimeoutMs: limit, onChild: (c) => children.push(c) });
    try {
      await assert.rejects(pw.denoise(FIXTURE), isWorkerError(new RegExp(`longer than ${limit} ms`)));
      for (let i = 0; i < 200 && children.length < 2; i++) await sleep(10);
      assert.equal(children.length, 2, 'a replacement child was forked');
      assert.equal(children[0]!.signalCode, 'SIGKILL');
      assert.equal(pw.stats().restarts, 1);
    } finally {
      await pw.close();
    }
  });

  it('marks itself broken when the model can no longer be loaded after a crash', async () => {
    const model = join(tmp.dir, 'model.onnx');
    copyFileSync(testModelPath(), model);
    const children: ChildProcess[] = [];
    const pw = await PipelineWorker.start({ modelPath: model, runner: RUNNER, onChild: (c) => children.push(c) });
    try {
      rmSync(model);
      children[0]!.kill('SIGKILL'); // an idle crash: replaced at once, and the reloads fail
      for (let i = 0; i < 500 && children.length < 2; i++) await sleep(10);
      // Queued behind the reloads; failed when the third one fails.
      await assert.rejects(pw.denoise(FIXTURE), (err: unknown) => {
        isWorkerError(/cannot reload the model: ModelContractError: model file not found/)(err);
        assert.ok((err as Error).cause instanceof ModelContractError);
        return true;
      });
      assert.equal(children.length, 4, 'three reloads, then no more');
      assert.match(pw.stats().broken ?? '', /cannot reload the model/, 'stats() says why, for /health');
    } finally {
      await pw.close();
    }
  });

  it('ends the child when its parent is killed with SIGKILL in the middle of inference', async (t) => {
    const moduleUrl = pathToFileURL(join(ROOT, 'server', 'src', 'pipeline', 'pipeline-worker.ts')).href;
    const script = [
      `const { PipelineWorker } = await import(${JSON.stringify(moduleUrl)});`,
      `const pw = await PipelineWorker.start({ modelPath: ${JSON.stringify(testModelPath())}, runner: ${JSON.stringify(SLOW)}, onChild: (c) => console.log(JSON.stringify({ pid: c.pid })) });`,
      `console.log(JSON.stringify({ timings: (await pw.denoise(${JSON.stringify(FIXTURE)})).timings }));`,
      `await pw.denoise(${JSON.stringify(FIXTURE)});`,
    ].join('\n');
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: parent.stdout! })[Symbol.asyncIterator]();
    const next = async (): Promise<Record<string, unknown>> => JSON.parse(String((await lines.next()).value ?? '{}')) as Record<string, unknown>;
    const { pid } = await next() as { pid: number };
    try {
      const mid = midInference((await next() as { timings: InstanceTimings }).timings);
      await sleep(mid.atMs); // into the second run
      parent.kill('SIGKILL');
      const started = performance.now();
      for (let i = 0; i < 200 && processAlive(pid); i++) await sleep(25);
      assert.equal(processAlive(pid), false, `the child ${pid} outlived its parent by 5 s`);
      t.diagnostic(`the orphaned child ended ${(performance.now() - started).toFixed(0)} ms after its parent`);
    } finally {
      parent.kill('SIGKILL');
      if (processAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
