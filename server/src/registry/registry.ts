// The model registry: which ONNX generators the node knows, which one is active (every new
// primary job runs it), which one is the shadow (runs beside it, results kept, never sent),
// and how a new one gets in (validated, then copied under <dataDir>/models/).
//
// No transactions (db/database.ts): each change is single-row updates guarded by the status
// they expect, in an order that never leaves the node without an active model. A promotion
// marks the new model active before it demotes the old one, and readers take the active row
// with the latest promotedAt, so for that instant the new one already wins. Changes in this
// process are serialised by a lock; a second process (the CLI) is covered by the guards.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '../db/index.js';
import { badRequest, conflict, notFound } from '../http/errors.js';
import { readOnnxInfo } from '../pipeline/infer/index.js';
import { isPrismaError, refuseKnown, storeIncoming } from './intake.js';
import { modelIdentity, sha256File } from './model-file.js';
import { MODEL_STATUSES, modelSubject, toRecord, type ModelRecord, type ModelSource, type ModelStatus } from './records.js';
import { ModelRejectedError, rejection, type ValidationReport } from './report.js';
import { validateModelFile, type ValidateOptions } from './validate.js';

/** Compatible with the API's ctx.audit; the CLI and the node's start pass one of their own. */
export type RegistryAudit = (action: string, subject: string, detail?: Readonly<Record<string, unknown>>, outcome?: 'ok' | 'denied' | 'failed') => Promise<void>;

export interface RegistryOptions {
  /** Where registered copies go: <dataDir>/models. */
  readonly modelsDir: string;
  readonly validate?: ValidateOptions;
}

export interface RegisterOptions {
  readonly source: Exclude<ModelSource, 'shipped'>;
  readonly createdBy: string;
  readonly trainingRunId?: string;
  /** Evaluation figures (PSNR/SSIM per noise setting, ...), stored with the self-check's. */
  readonly metrics?: Readonly<Record<string, unknown>>;
  readonly audit: RegistryAudit;
}

export interface Registered {
  readonly model: ModelRecord;
  readonly report: ValidationReport;
}

export interface ShippedEntry {
  readonly file: string;
  readonly stage?: string;
  readonly metrics?: Readonly<Record<string, unknown>>;
  readonly createdBy?: string;
}

/** What changed: the node warms the new active or shadow model's worker before the next job needs it. */
export type RegistryChange = { readonly kind: 'active' | 'shadow'; readonly model: ModelRecord | null };

export class ModelRegistry {
  private lock: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(change: RegistryChange) => void>();

  constructor(readonly db: Database, private readonly options: RegistryOptions) {}

  get modelsDir(): string {
    return this.options.modelsDir;
  }

  /** Called after a promotion, rollback or shadow change made through this instance; returns an unsubscribe. */
  onChange(listener: (change: RegistryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(change: RegistryChange): void {
    for (const listener of this.listeners) listener(change);
  }

  async list(filter: { status?: ModelStatus } = {}): Promise<ModelRecord[]> {
    const rows = await this.db.model.findMany({ where: { status: filter.status }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
    return rows.map(toRecord);
  }

  async get(id: string): Promise<ModelRecord> {
    const row = await this.db.model.findUnique({ where: { id } });
    if (!row) throw notFound(`no model ${id} in the registry`);
    return toRecord(row);
  }

  async find(name: string, version: string): Promise<ModelRecord | null> {
    const row = await this.db.model.findUnique({ where: { name_version: { name, version } } });
    return row ? toRecord(row) : null;
  }

  /** The model new primary jobs run (the latest promoted, should two be active for an instant). */
  async active(): Promise<ModelRecord | null> {
    const row = await this.db.model.findFirst({ where: { status: 'active' }, orderBy: [{ promotedAt: 'desc' }, { createdAt: 'desc' }] });
    return row ? toRecord(row) : null;
  }

  async shadow(): Promise<ModelRecord | null> {
    const row = await this.db.model.findFirst({ where: { status: 'shadow' }, orderBy: { createdAt: 'desc' } });
    return row ? toRecord(row) : null;
  }

  /**
   * A model shipped with the node (models/manifest.json) or named by the configuration: recorded
   * where it is, not copied, and not self-checked (the product's own, checked by its tests).
   * Idempotent; a moved checkout updates the path of the same content.
   */
  async registerShipped(entry: ShippedEntry): Promise<ModelRecord> {
    return this.exclusive(async () => {
      const metadata = (await readOnnxInfo(entry.file)).metadata;
      const sha256 = await sha256File(entry.file);
      const { name, version } = modelIdentity(metadata, entry.file, sha256);
      const existing = await this.db.model.findUnique({ where: { name_version: { name, version } } });
      if (existing) {
        if (existing.sha256 !== sha256) return toRecord(existing);
        // The same shipped file: follow it if it moved, and take the shipped figures when
        // models/eval/eval.json gained or changed rows since it was registered (an upgrade).
        const data: { file?: string; metricsJson?: string } = {};
        if (existing.file !== entry.file && !existsSync(existing.file)) data.file = entry.file;
        const metricsJson = entry.metrics ? JSON.stringify(entry.metrics) : null;
        if (existing.source === 'shipped' && metricsJson && metricsJson !== existing.metricsJson) data.metricsJson = metricsJson;
        if (Object.keys(data).length === 0) return toRecord(existing);
        return toRecord(await this.db.model.update({ where: { id: existing.id }, data }));
      }
      const sizeBytes = (await stat(entry.file)).size;
      const row = await this.db.model.create({
        data: {
          name, version, file: entry.file, sha256, sizeBytes, stage: entry.stage ?? metadata.stage ?? null, metadataJson: JSON.stringify(metadata),
          metricsJson: entry.metrics ? JSON.stringify(entry.metrics) : null, source: 'shipped', status: 'registered', createdAt: new Date(), createdBy: entry.createdBy ?? 'system',
        },
      });
      return toRecord(row);
    });
  }

  /** Validates a model file (a path on this server) and registers a copy of it. */
  async register(file: string, options: RegisterOptions): Promise<Registered> {
    if (!existsSync(file)) throw badRequest(`no model file at ${file}`);
    return this.incoming(options, (tmp) => copyFile(file, tmp));
  }

  /** The same for uploaded bytes (POST /api/models). */
  async registerBytes(bytes: Buffer, options: RegisterOptions): Promise<Registered> {
    if (bytes.length === 0) throw badRequest('the upload is empty: send the .onnx file as the request body');
    return this.incoming(options, (tmp) => writeFile(tmp, bytes));
  }

  private async incoming(options: RegisterOptions, put: (tmp: string) => Promise<void>): Promise<Registered> {
    await mkdir(this.modelsDir, { recursive: true });
    // In the models folder, so the accepted file is renamed into place, not copied again.
    const tmp = join(this.modelsDir, `.incoming-${randomUUID()}.onnx`);
    const action = options.source === 'upload' ? 'model.upload' : 'model.register';
    try {
      await put(tmp);
      await refuseKnown(this.db, tmp);
      const report = await validateModelFile(tmp, this.options.validate);
      const refused = rejection(report);
      if (refused) throw refused;
      const model = await this.exclusive(() => storeIncoming(this.db, this.modelsDir, tmp, report, options));
      await options.audit(action, modelSubject(model.id), { name: model.name, version: model.version, sha256: model.sha256, source: model.source, ...(model.trainingRunId ? { trainingRunId: model.trainingRunId } : {}) });
      return { model, report };
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      await options.audit(action, 'model:-', { source: options.source, reason: why, ...(err instanceof ModelRejectedError && err.report ? { checks: err.report.checks.filter((c) => !c.ok).map((c) => c.name) } : {}) }, 'failed');
      throw err;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Makes `id` the active model; the one active before goes back to 'registered'. */
  async promote(id: string, audit: RegistryAudit): Promise<{ model: ModelRecord; previous: ModelRecord | null }> {
    return this.exclusive(async () => {
      const target = await this.get(id);
      if (target.status === 'active') throw conflict(`${label(target)} is already the active model`);
      if (!existsSync(target.file)) throw conflict(`the file of ${label(target)} is missing (${target.file})`);
      const previous = await this.active();
      const model = await this.transition(target, 'active', { promotedAt: new Date() });
      if (previous) await this.transition(previous, 'registered');
      await audit('model.promote', modelSubject(model.id), { name: model.name, version: model.version, from: target.status, previous: previous ? label(previous) : null });
      this.changed({ kind: 'active', model });
      if (target.status === 'shadow') this.changed({ kind: 'shadow', model: null });
      return { model, previous };
    });
  }

  /**
   * Back to the model promoted before the active one. The one rolled back from loses its
   * promotedAt (the audit trail keeps it), so rolling back again goes further back, not forth.
   */
  async rollback(audit: RegistryAudit): Promise<{ model: ModelRecord; previous: ModelRecord }> {
    return this.exclusive(async () => {
      const current = await this.active();
      if (!current) throw conflict('no model is active');
      const row = await this.db.model.findFirst({
        where: { id: { not: current.id }, status: { in: ['registered', 'shadow'] }, promotedAt: { not: null } },
        orderBy: { promotedAt: 'desc' },
      });
      if (!row) throw conflict(`nothing to roll back to: no model was active before ${label(current)}`);
      const target = toRecord(row);
      if (!existsSync(target.file)) throw conflict(`the file of ${label(target)} is missing (${target.file})`);
      const model = await this.transition(target, 'active');
      await this.transition(current, 'registered', { promotedAt: null });
      await audit('model.rollback', modelSubject(model.id), { name: model.name, version: model.version, from: label(current) });
      this.changed({ kind: 'active', model });
      if (target.status === 'shadow') this.changed({ kind: 'shadow', model: null });
      return { model, previous: current };
    });
  }

  /** Puts `id` in shadow mode (replacing any other shadow). */
  async setShadow(id: string, audit: RegistryAudit): Promise<ModelRecord> {
    return this.exclusive(async () => {
      const target = await this.get(id);
      if (target.status === 'active') throw conflict(`${label(target)} is the active model; it cannot also be the shadow`);
      if (target.status === 'shadow') throw conflict(`${label(target)} is already in shadow mode`);
      if (!existsSync(target.file)) throw conflict(`the file of ${label(target)} is missing (${target.file})`);
      const previous = await this.shadow();
      if (previous) await this.transition(previous, 'registered');
      const model = await this.transition(target, 'shadow');
      await audit('model.shadow', modelSubject(model.id), { name: model.name, version: model.version, replaced: previous ? label(previous) : null });
      this.changed({ kind: 'shadow', model });
      return model;
    });
  }

  /** Ends shadow mode; null when no model was in it. */
  async clearShadow(audit: RegistryAudit): Promise<ModelRecord | null> {
    return this.exclusive(async () => {
      const current = await this.shadow();
      if (!current) return null;
      const model = await this.transition(current, 'registered');
      await audit('model.unshadow', modelSubject(model.id), { name: model.name, version: model.version });
      this.changed({ kind: 'shadow', model: null });
      return model;
    });
  }

  /** Takes a model out of use (never the active one). Its file stays: jobs and series name it. */
  async retire(id: string, audit: RegistryAudit): Promise<ModelRecord> {
    return this.exclusive(async () => {
      const target = await this.get(id);
      if (target.status === 'active') throw conflict(`${label(target)} is the active model: promote another one first`);
      if (target.status === 'retired') throw conflict(`${label(target)} is already retired`);
      const model = await this.transition(target, 'retired');
      await audit('model.retire', modelSubject(model.id), { name: model.name, version: model.version, from: target.status });
      if (target.status === 'shadow') this.changed({ kind: 'shadow', model: null });
      return model;
    });
  }

  /** One guarded update: only if the row still has the status it was read with. */
  private async transition(from: ModelRecord, status: ModelStatus, extra: { promotedAt?: Date | null } = {}): Promise<ModelRecord> {
    if (!(MODEL_STATUSES as readonly string[]).includes(status)) throw new Error(`unknown model status ${status}`);
    try {
      return toRecord(await this.db.model.update({ where: { id: from.id, status: from.status }, data: { status, ...extra } }));
    } catch (err) {
      if (isPrismaError(err, 'P2025')) throw conflict(`${label(from)} changed meanwhile (it is no longer ${from.status}); reload and try again`);
      throw err;
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => {});
    return run;
  }
}

export function label(m: Pick<ModelRecord, 'name' | 'version'>): string {
  return `${m.name} ${m.version}`;
}

