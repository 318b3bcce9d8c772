// Training runs on this node: one at a time, the others queued (TrainingRun rows, so the queue
// survives restarts). The run in progress is a Python child at nice 19 with one thread by
// default; its JSON lines become the run's progress, saved in the row and pushed to
// subscribers (the SSE route). Cancel stops it with a checkpoint (state 'interrupted', resumable);
// a node stop does the same, and a node that was killed leaves a 'running' row that the next
// start marks interrupted and, by default, queues again: a run is never silently lost.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrainingRun } from '@prisma/client';
import type { Database } from '../db/index.js';
import { conflict, notFound } from '../http/errors.js';
import type { Logger } from '../node/logger.js';
import type { ModelRecord, ModelRegistry, RegistryAudit, ValidationReport } from '../registry/index.js';
import { inspectDataset } from './dataset.js';
import { RunListeners } from './listeners.js';
import { RowSaver } from './row-saver.js';
import { RunExecution, type Outcome } from './execution.js';
import { findPreset, listPresets, type Preset } from './presets.js';
import type { StartParams } from './params.js';
import { rowFields, type RunProgress } from './progress.js';
import { findPython, type PythonOptions } from './python.js';
import { recoverRuns } from './recovery.js';
import { claimNextQueued, queueOrder } from './run-queue.js';
import { buildRequest } from './request.js';
import { registerRun, type RegisterRequest } from './register.js';
import { progressOf, runDetail, runSummary, type RunDetail, type RunRequest, type RunSummary } from './views.js';

export type TrainingAudit = (action: string, subject: string, detail?: Readonly<Record<string, unknown>>, outcome?: 'ok' | 'denied' | 'failed') => Promise<void>;

export interface TrainingManagerOptions {
  readonly db: Database;
  readonly log: Logger;
  /** Run folders go here (<dataDir>/training). */
  readonly runsDir: string;
  /** The repository root (training/ and its options). */
  readonly root: string;
  readonly python?: string;
  /** Torch/OpenMP threads of the trainer (default 1). */
  readonly threads?: number;
  /** Queue runs a node stop or crash interrupted again at start (default true). */
  readonly resumeOnStart?: boolean;
  /** How long close() waits for the trainer's checkpoint (default 30 s). */
  readonly closeGraceMs?: number;
  /** Audit for what the node does by itself (actor 'system'). */
  readonly systemAudit: TrainingAudit;
  /** Where "register as model" puts the exported file (absent: registering is refused). */
  readonly registry?: ModelRegistry;
}

interface Active {
  readonly id: string;
  row: TrainingRun;
  readonly progress: RunProgress;
  readonly exec: RunExecution;
  stopBy: 'user' | 'node' | null;
  readonly finished: Promise<void>;
}

export class TrainingManager {
  private active: Active | null = null;
  /** A queued run is being claimed: pump() waits for it (never two runs at once). */
  private starting = false;
  private closing = false;
  private closed: Promise<void> | null = null;
  private readonly listeners = new RunListeners();
  private readonly python: PythonOptions;
  private readonly saver = new RowSaver(() => this.activeRowWrite(), (err) => this.o.log.warn({ err: err.message }, 'training: saving the run failed'));
  private readonly registering = new Set<string>();

  private constructor(private readonly o: TrainingManagerOptions) {
    this.python = { python: o.python ?? findPython(o.root), cwd: o.root, threads: o.threads ?? 1 };
  }

  /** Recovers what a previous node left (running rows), then starts the queue. */
  static async open(o: TrainingManagerOptions): Promise<TrainingManager> {
    const m = new TrainingManager(o);
    await mkdir(o.runsDir, { recursive: true });
    await m.recover();
    m.pump();
    return m;
  }

  private get db(): Database {
    return this.o.db;
  }

  presets(): Preset[] {
    return listPresets(this.o.root);
  }

  async inspect(path: string, preset = 'product') {
    return inspectDataset(path, findPreset(this.o.root, preset).classes);
  }

  async create(params: StartParams, createdBy: string): Promise<RunDetail> {
    const { name, request, progress } = await buildRequest(this.db, this.o.root, params);
    const now = new Date();
    const row = await this.db.trainingRun.create({
      data: {
        name, state: 'queued', paramsJson: JSON.stringify(request), runDir: join(this.o.runsDir, name), resultJson: JSON.stringify(progress),
        totalSteps: rowFields(progress).totalSteps, createdBy, createdAt: now, updatedAt: now,
      },
    });
    this.pump();
    return this.get(row.id);
  }

  async list(): Promise<RunSummary[]> {
    const rows = await this.db.trainingRun.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 200 });
    const queue = await queueOrder(this.db);
    return rows.map((r) => this.view(r, runSummary, queue));
  }

  async get(id: string): Promise<RunDetail> {
    const row = await this.db.trainingRun.findUnique({ where: { id } });
    if (!row) throw notFound(`no training run ${id}`);
    return this.view(row, runDetail, await queueOrder(this.db));
  }

  /** The row and progress, live for the run in progress (ahead of what is saved). */
  async raw(id: string): Promise<{ row: TrainingRun; progress: RunProgress }> {
    if (this.active?.id === id) return { row: this.active.row, progress: this.active.progress };
    const row = await this.db.trainingRun.findUnique({ where: { id } });
    if (!row) throw notFound(`no training run ${id}`);
    return { row, progress: progressOf(row) };
  }

  private view<T>(row: TrainingRun, make: (row: TrainingRun, p: RunProgress, q: number | null) => T, queue: string[]): T {
    const live = this.active?.id === row.id ? this.active : null;
    const position = queue.indexOf(row.id);
    return make(live ? live.row : row, live ? live.progress : progressOf(row), position < 0 ? null : position + 1);
  }

  /** Queued or interrupted: cancelled for good. Running: stopped with a checkpoint, resumable. */
  async cancel(id: string): Promise<{ run: RunDetail; from: string }> {
    const { row } = await this.raw(id);
    if (this.active?.id === id) {
      this.active.stopBy = 'user';
      this.active.exec.stop();
      // The trainer finishes its step and saves; usually well within this.
      await Promise.race([this.active.finished, new Promise((r) => setTimeout(r, 15_000))]);
      return { run: await this.get(id), from: 'running' };
    }
    if (row.state !== 'queued' && row.state !== 'interrupted') throw conflict(`run ${row.name} is ${row.state}: there is nothing to cancel`);
    await this.guardedUpdate(row, { state: 'cancelled', finishedAt: new Date() });
    this.notify(id);
    return { run: await this.get(id), from: row.state };
  }

  /** An interrupted or failed run goes back in the queue; it continues from its checkpoint. */
  async resume(id: string): Promise<RunDetail> {
    const { row, progress } = await this.raw(id);
    if (row.state !== 'interrupted' && row.state !== 'failed') throw conflict(`run ${row.name} is ${row.state}: only an interrupted or failed run can be resumed`);
    progress.interruptedBy = null;
    await this.guardedUpdate(row, { state: 'queued', error: null, finishedAt: null, resultJson: JSON.stringify(progress) });
    this.pump();
    this.notify(id);
    return this.get(id);
  }

  /** Sets state (and more) only if the row still has the state it was read with. */
  private async guardedUpdate(row: TrainingRun, data: Partial<TrainingRun>): Promise<TrainingRun> {
    const res = await this.db.trainingRun.updateMany({ where: { id: row.id, state: row.state }, data: { ...data, updatedAt: new Date() } });
    if (res.count === 0) throw conflict(`run ${row.name} changed meanwhile; reload and try again`);
    return (await this.db.trainingRun.findUnique({ where: { id: row.id } }))!;
  }

  /** Exports a finished run to ONNX and registers it (a candidate: promotion is an admin's). */
  async register(id: string, req: RegisterRequest, by: { createdBy: string; audit: RegistryAudit }): Promise<{ run: RunDetail; model: ModelRecord; report: ValidationReport }> {
    const registry = this.o.registry;
    if (!registry) throw conflict('this node has no model registry to register into');
    const { row, progress } = await this.raw(id);
    if (row.state !== 'done') throw conflict(`run ${row.name} is ${row.state}: only a finished run can be registered`);
    if (row.modelId) throw conflict(`run ${row.name} is registered already (model ${row.modelId})`);
    if (this.registering.has(id)) throw conflict(`run ${row.name} is being registered already`);
    this.registering.add(id);
    try {
      const { model, report } = await registerRun(row, progress, req, { registry, python: this.python, ...by });
      await this.db.trainingRun.update({ where: { id }, data: { modelId: model.id, updatedAt: new Date() } });
      this.notify(id);
      return { run: await this.get(id), model, report };
    } finally {
      this.registering.delete(id);
    }
  }

  /** Calls `onChange` (throttled) whenever the run changes; `onClose` when the node stops. */
  subscribe(id: string, onChange: () => void, onClose: () => void): () => void {
    return this.listeners.subscribe(id, onChange, onClose);
  }

  private notify(id: string): void {
    this.listeners.notify(id);
  }

  /** Starts the oldest queued run when none is running. */
  pump(): void {
    if (this.active || this.starting || this.closing) return;
    this.starting = true;
    void this.startNext()
      .catch((err: Error) => this.o.log.error({ err: err.message }, 'training: could not start the next run'))
      .finally(() => { this.starting = false; });
  }

  private async startNext(): Promise<void> {
    const row = await claimNextQueued(this.db, () => this.closing);
    if (row) this.launch(row);
  }

  private launch(row: TrainingRun): void {
    const request: RunRequest = JSON.parse(row.paramsJson) as RunRequest;
    let preset: Preset;
    try {
      preset = findPreset(this.o.root, request.params.preset);
    } catch (err) {
      void this.db.trainingRun.update({ where: { id: row.id }, data: { state: 'failed', error: (err as Error).message, finishedAt: new Date(), updatedAt: new Date() } })
        .finally(() => this.pump());
      return;
    }
    const progress = progressOf(row);
    progress.interruptedBy = null;
    let done!: () => void;
    const finished = new Promise<void>((r) => { done = r; });
    const exec = new RunExecution({
      runDir: row.runDir, request, preset, progress, python: this.python,
      onChange: (important) => this.changed(important),
      onPid: (pid) => { if (this.active) this.active.row = { ...this.active.row, pid }; this.saver.save(true); },
    });
    this.active = { id: row.id, row, progress, exec, stopBy: null, finished };
    this.o.log.info({ run: row.name, stages: progress.stages.map((s) => s.key) }, 'training run started');
    void exec.run().then((o) => o, (err: Error): Outcome => ({ kind: 'failed', error: err.message }))
      .then((outcome) => this.finish(outcome))
      .catch((err: Error) => this.o.log.error({ err: err.message, run: row.name }, 'training: recording the end of the run failed'))
      .finally(() => { this.active = null; done(); this.pump(); });
  }

  private changed(important: boolean): void {
    const a = this.active;
    if (!a) return;
    a.row = { ...a.row, ...rowFields(a.progress) };
    this.saver.save(important);
    this.notify(a.id);
  }

  /** A write of the live row as it is now (progress fields, pid), or null when no run is on. */
  private activeRowWrite(): (() => Promise<unknown>) | null {
    const a = this.active;
    if (!a) return null;
    const { row, progress } = a;
    const data = { stage: row.stage, step: row.step, totalSteps: row.totalSteps, pid: row.pid, resultJson: JSON.stringify(progress), updatedAt: new Date() };
    return () => this.db.trainingRun.update({ where: { id: a.id }, data });
  }

  private async finish(outcome: Outcome): Promise<void> {
    const a = this.active!;
    const state = outcome.kind === 'done' ? 'done' : outcome.kind === 'interrupted' ? 'interrupted' : 'failed';
    a.progress.phase = null;
    if (state === 'interrupted') a.progress.interruptedBy = a.stopBy ?? 'node';
    if (state === 'done') a.progress.eta = null;
    const error = outcome.kind === 'failed' ? outcome.error : state === 'interrupted' && a.progress.interruptedBy === 'node' ? 'the node stopped during the run; it continues from its last checkpoint' : null;
    await this.saver.settled();
    await this.db.trainingRun.update({
      where: { id: a.id },
      data: { state, error, pid: null, resultJson: JSON.stringify(a.progress), finishedAt: state === 'interrupted' ? null : new Date(), updatedAt: new Date() },
    });
    this.o.log.info({ run: a.row.name, state, ...(error ? { error } : {}) }, 'training run ended');
    this.active = null;
    this.notify(a.id);
  }

  private async recover(): Promise<void> {
    const requeue = await recoverRuns(this.db, this.o.log, this.o.systemAudit);
    if (this.o.resumeOnStart === false) return;
    for (const row of requeue) {
      await this.resume(row.id);
      await this.o.systemAudit('training.resume', `training:${row.id}`, { name: row.name, step: row.step, reason: 'node restart' });
      this.o.log.info({ run: row.name, step: row.step }, 'training run interrupted by the node stop queued again');
    }
  }

  /** Stops the run in progress with a checkpoint (resumed at the next start) and ends every stream. */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    this.listeners.close();
    const a = this.active;
    if (a) {
      a.stopBy = 'node';
      a.exec.stop();
      const grace = this.o.closeGraceMs ?? 30_000;
      const timer = setTimeout(() => a.exec.kill(), grace);
      await a.finished;
      clearTimeout(timer);
    }
    await this.saver.settled();
  }
}
