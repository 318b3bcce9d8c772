// The result to take away: a PNG made here (16-bit for DICOM and 16-bit PNG input), or the
// derived DICOM object the node would write for a DICOM file (built by the node: it needs the
// source's header and the node's derive code, so the file is sent to it).
import { Button, ErrorBanner, useAction } from '../../components/ui.js';
import { pngGray, quantize, type Blended } from './node-shared.js';
import { encodeGrayPng } from './png.js';
import { derivedDicom, type TryModel, type TryOutcome } from './run.js';

export function TryDownloads({ outcome, blended, model, strength, canDerive }: { outcome: TryOutcome; blended: Blended; model: TryModel; strength: number; canDerive: boolean }) {
  const base = outcome.input.name.replace(/\.[a-z0-9]+$/i, '') || 'radiograph';
  const png = useAction(async () => {
    const gray = pngGray(outcome.input.kind, outcome.image, blended);
    const blob = await encodeGrayPng(outcome.image.width, outcome.image.height, quantize(gray.pixels, gray.bitDepth), gray.bitDepth);
    save(blob, `${base}-sharpxr.png`);
  });
  const dicom = useAction(async () => save(await derivedDicom(outcome.input, model, strength), `${base}-sharpxr.dcm`));
  const isDicom = outcome.input.kind === 'dicom';
  return (
    <div className="try-downloads">
      <Button variant="primary" busy={png.busy} onClick={() => void png.run()} data-testid="try-download-png">Download PNG</Button>
      {isDicom && (
        <Button busy={dicom.busy} disabled={!canDerive} onClick={() => void dicom.run()} data-testid="try-download-dicom"
          title={canDerive ? 'The node builds it with its derive code: the file is sent to it (not stored)' : 'Needs the operator role'}>
          Download derived DICOM
        </Button>
      )}
      <span className="muted small">
        {isDicom ? 'PNG: the windowed result, 16-bit. DICOM: a new series in the same study, as the node would send it' : `PNG at the input's depth (${outcome.image.bitsStored}-bit)`}
        {isDicom && !canDerive ? ' (operators only: the node builds it).' : '.'}
      </span>
      <ErrorBanner error={png.error ?? dicom.error} title="Download failed" />
    </div>
  );
}

function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
