// The processing step of the job worker: one inference per job (denoiseInstance), then one
// derived object per kind a destination needs (same SOP class, or Secondary Capture), each
// written atomically to the derived folder before it is sent.
import type { NodeConfig } from '../config/index.js';
import { deriveInstance, type DenoisedInstance, type InstanceDeriveOptions } from '../pipeline/process-instance.js';
import { writeDerived } from '../pipeline/write-derived.js';
import type { Job } from '../queue/queue.js';
import type { DerivedFile, ProcessedInstance } from './job-worker.js';

export interface ProcessorDeps {
  readonly config: NodeConfig;
  /**
   * Decode, denoise and guard one file with the job's model (the registry's pipeline worker
   * for it, a single pipeline child, or denoiseInstance in tests).
   */
  readonly denoise: (path: string, job: Job) => Promise<DenoisedInstance>;
  readonly derivedDir: string;
  /** Where shadow jobs' derived objects go (kept for review, never sent); default <derivedDir>-shadow. */
  readonly shadowDir?: string;
}

/** How this node derives (exported for Try it, which derives a download the same way). */
export function deriveOptions(config: NodeConfig): InstanceDeriveOptions {
  const p = config.processing;
  return {
    seriesNumberOffset: p.seriesNumberOffset,
    ...(p.descriptionSuffix !== undefined ? { descriptionSuffix: p.descriptionSuffix } : {}),
    notForDiagnosticUse: p.notForDiagnosticUse,
    aeTitle: config.dicom.aeTitle,
  };
}

export function createProcessor(deps: ProcessorDeps): (path: string, job: Job) => Promise<ProcessedInstance> {
  const base = deriveOptions(deps.config);
  const shadowDir = deps.shadowDir ?? `${deps.derivedDir}-shadow`;
  return async (path, job) => {
    const denoised = await deps.denoise(path, job);
    const dir = job.role === 'shadow' ? shadowDir : deps.derivedDir;
    const written = new Map<boolean, Promise<DerivedFile>>();
    let encodeMs = 0;
    const derived = (variant: { secondaryCapture: boolean }): Promise<DerivedFile> => {
      let file = written.get(variant.secondaryCapture);
      if (!file) {
        file = (async () => {
          const out = deriveInstance(denoised, { ...base, secondaryCapture: variant.secondaryCapture });
          encodeMs += out.encodeMs;
          const filePath = await writeDerived(dir, out.derived);
          return { path: filePath, sopInstanceUid: out.derived.sopInstanceUid, seriesInstanceUid: out.derived.seriesInstanceUid };
        })();
        written.set(variant.secondaryCapture, file);
      }
      return file;
    };
    const g = denoised.guard;
    return {
      guard: { clippedFraction: g.clippedFraction, maxChange: g.maxChangeStored ?? g.maxChange, flagged: g.flagged },
      get timingsMs() {
        return { ...denoised.timings, encodeMs };
      },
      derived,
    };
  };
}
