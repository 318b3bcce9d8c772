// Which studies hold a SharpXR series, as the node knows them (it made and sent them). The study
// list needs the answer synchronously (OHIF's isValidMode), so it is fetched ahead and refreshed;
// until the node has answered, every CR/DX study is offered.
import { studiesWithDerived } from './node-api.js';

let known: Set<string> | null = null;
let timer: ReturnType<typeof setInterval> | undefined;

export async function refreshStudyIndex(): Promise<void> {
  try {
    known = await studiesWithDerived();
  } catch {
    // Keep what we had: a node that is briefly unreachable must not hide the mode.
  }
}

export function startStudyIndex(periodMs = 30_000): Promise<void> {
  if (!timer) timer = setInterval(() => void refreshStudyIndex(), periodMs);
  return refreshStudyIndex();
}

/** true / false when the node has said; undefined when it has not answered yet. */
export function studyHasDerived(studyInstanceUid: string | undefined): boolean | undefined {
  if (!known || !studyInstanceUid) return undefined;
  return known.has(studyInstanceUid);
}
