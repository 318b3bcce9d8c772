// How a file enters the registry once validated: refused early when its (name, version) is
// taken, else moved into <dataDir>/models under a name that says what it is, then recorded.
import { rename, rm, stat } from 'node:fs/promises';
import { Prisma } from '@prisma/client';
import type { Database } from '../db/index.js';
import { conflict } from '../http/errors.js';
import { readOnnxInfo } from '../pipeline/infer/index.js';
import { sha256File, storedModelPath } from './model-file.js';
import { toRecord, type ModelRecord } from './records.js';
import type { RegisterOptions } from './registry.js';
import type { ValidationReport } from './report.js';

async function find(db: Database, name: string, version: string): Promise<ModelRecord | null> {
  const row = await db.model.findUnique({ where: { name_version: { name, version } } });
  return row ? toRecord(row) : null;
}

/** A (name, version) already registered is refused before seconds of self-check are spent on it. */
export async function refuseKnown(db: Database, tmp: string): Promise<void> {
  const meta = await readOnnxInfo(tmp).then((i) => i.metadata, () => undefined);
  const name = meta?.name?.trim();
  const version = meta?.version?.trim();
  if (!name || !version) return; // the validation says what is wrong
  const existing = await find(db, name, version);
  if (existing) throw duplicate(existing, await sha256File(tmp));
}

/** Moves a validated file into place as <name>-<version>-<sha8>.onnx and records it ('registered'). */
export async function storeIncoming(db: Database, modelsDir: string, tmp: string, report: ValidationReport, options: RegisterOptions): Promise<ModelRecord> {
  const name = report.metadata.name!.trim();
  const version = report.metadata.version!.trim();
  const sha256 = await sha256File(tmp);
  const existing = await find(db, name, version);
  if (existing) throw duplicate(existing, sha256);
  const file = storedModelPath(modelsDir, name, version, sha256);
  const sizeBytes = (await stat(tmp)).size;
  await rename(tmp, file);
  const metrics = { ...(options.metrics ?? {}), ...(report.selfCheck ? { selfCheck: report.selfCheck } : {}) };
  try {
    const row = await db.model.create({
      data: {
        name, version, file, sha256, sizeBytes, stage: report.metadata.stage ?? null, metadataJson: JSON.stringify(report.metadata),
        metricsJson: JSON.stringify(metrics), source: options.source, trainingRunId: options.trainingRunId ?? null,
        status: 'registered', createdAt: new Date(), createdBy: options.createdBy,
      },
    });
    return toRecord(row);
  } catch (err) {
    await rm(file, { force: true });
    if (isPrismaError(err, 'P2002')) throw conflict(`${name} ${version} was registered meanwhile`);
    throw err;
  }
}

function duplicate(existing: ModelRecord, sha256: string): Error {
  if (existing.sha256 === sha256) return conflict(`this file is already registered as ${existing.name} ${existing.version} (id ${existing.id})`);
  return conflict(`${existing.name} ${existing.version} is already registered with different content (sha256 ${existing.sha256.slice(0, 12)}…, this file ${sha256.slice(0, 12)}…): export the new model with another --version`);
}

export function isPrismaError(err: unknown, code: string): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === code;
}
