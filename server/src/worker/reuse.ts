// Sending again without processing again: when an earlier attempt derived the image and only
// its export failed (a PACS down for hours), the job kept the derived object's facts. Re-running
// inference on every retry would cost seconds of CPU per image per retry for nothing, since
// the result is byte-identical. Reused only while the file is there and every destination still
// to reach takes the same-class object (a Secondary Capture one is derived anew).
import { existsSync } from 'node:fs';
import type { Job } from '../queue/queue.js';
import { pendingDestinations, type ExportDeps } from './export-step.js';
import type { ProcessedInstance } from './job-worker.js';

export async function reusableProcessing(job: Job, deps: Pick<ExportDeps, 'deliveries' | 'destinations'>): Promise<ProcessedInstance | null> {
  const d = job.derived;
  if (!d || !existsSync(d.path)) return null;
  if ((await pendingDestinations(job, deps)).some((dest) => dest.secondaryCapture === true)) return null;
  const file = { path: d.path, sopInstanceUid: d.sopInstanceUid, seriesInstanceUid: d.seriesInstanceUid };
  return {
    guard: { clippedFraction: d.guardClippedFraction, maxChange: d.guardMaxChange, flagged: d.guardFlagged },
    timingsMs: {},
    derived: async (variant) => {
      if (variant.secondaryCapture) throw new Error('no Secondary Capture object was kept for this job');
      return file;
    },
  };
}
