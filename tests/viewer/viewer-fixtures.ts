// Real derived objects for the viewer's pure modules: the node's own `sharpxr denoise` turns the
// CR chest fixture into a derived object, and both are read the way OHIF reads DICOMweb metadata
// (DICOM JSON, naturalized by dcmjs), so the tests see the attributes as the browser does.
import { after, before } from 'node:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as cli } from '../../server/src/cli/index.js';
import { dcmjs } from '../../server/src/pipeline/decode/dcmjs.js';
import { parseDicom } from '../../server/src/pipeline/decode/index.js';
import type { DisplaySet, InstanceMetadata } from '../../viewer-extension/src/ohif.js';
import { ROOT } from '../server/helpers.js';

export const CR_FIXTURE = join(ROOT, 'tests', 'fixtures', 'dicom', 'CR-MONO1-10-chest_dcmbench_explicitLE.dcm');

export function naturalized(path: string): InstanceMetadata {
  const { dataset } = parseDicom(readFileSync(path));
  const dictionary = (dcmjs as unknown as { data: { DicomMetaDictionary: { naturalizeDataset(d: unknown): Record<string, unknown> } } }).data.DicomMetaDictionary;
  return dictionary.naturalizeDataset(dataset) as InstanceMetadata;
}

export interface DerivedFixture {
  readonly source: InstanceMetadata;
  readonly derived: InstanceMetadata;
  /** What `sharpxr denoise` printed (its guard figures, to check against the object's). */
  readonly report: string;
  readonly cleanup: () => void;
}

/** Denoises the CR fixture with the shipped model (about a second) and reads both objects. */
export async function deriveFixture(): Promise<DerivedFixture> {
  const out = mkdtempSync(join(tmpdir(), 'sharpxr-viewer-'));
  let report = '';
  const errors: string[] = [];
  const code = await cli(['denoise', CR_FIXTURE, '--out', out], { out: (line) => (report += `${line}\n`), err: (line) => errors.push(line) });
  if (code !== 0) throw new Error(`sharpxr denoise exited ${code}: ${errors.join('\n')}`);
  return {
    source: naturalized(CR_FIXTURE),
    derived: naturalized(join(out, 'CR-MONO1-10-chest_dcmbench_explicitLE.dcm')),
    report,
    cleanup: () => rmSync(out, { recursive: true, force: true }),
  };
}

/** Registers before/after hooks deriving the fixture once for the enclosing suite; call `get()` inside tests. */
export function useDerivedFixture(): { get(): DerivedFixture } {
  let fx: DerivedFixture | undefined;
  before(async () => {
    fx = await deriveFixture();
  });
  after(() => fx?.cleanup());
  return {
    get() {
      if (!fx) throw new Error('derived fixture not ready (use it inside a test)');
      return fx;
    },
  };
}

let counter = 0;
/** A display set as OHIF's default SOP class handler makes one (the fields pairing reads). */
export function displaySet(instance: InstanceMetadata, overrides: Partial<DisplaySet> = {}): DisplaySet {
  return {
    displaySetInstanceUID: `ds-${++counter}`,
    StudyInstanceUID: String(instance.StudyInstanceUID),
    SeriesInstanceUID: String(instance.SeriesInstanceUID),
    SeriesNumber: instance.SeriesNumber as number | undefined,
    SeriesDescription: instance.SeriesDescription as string | undefined,
    Modality: instance.Modality as string | undefined,
    instances: [instance],
    instance,
    ...overrides,
  };
}

/** A copy of `instance` as another series of the same study (a second view, or a look-alike). */
export function otherSeries(instance: InstanceMetadata, suffix: string, changes: Record<string, unknown> = {}): InstanceMetadata {
  return {
    ...instance,
    SeriesInstanceUID: `${String(instance.SeriesInstanceUID)}.${suffix}`,
    SOPInstanceUID: `${String(instance.SOPInstanceUID)}.${suffix}`,
    ...changes,
  } as InstanceMetadata;
}
