// The job's images compared at full bit depth: the received original against the derived
// (denoised) result and, when the instance also ran a shadow model, the active model's result
// against the shadow's. Both are windowed with the original's window (the file's VOI, else the
// node's percentiles), inverted for MONOCHROME1; a second image with another rescale is
// brought to the original's stored units first, so one window means the same on both.
import { useEffect, useMemo, useState } from 'react';
import { CompareView, type CompareSide, type Windowing } from '../../components/compare/CompareView.js';
import { inUnitsOf, type RawImage, type RawImageMeta } from '../../components/compare/raw-image.js';
import { Notice } from '../../components/ui.js';
import { modelLabel, type Job, type JobDetail } from './types.js';
import { useJobImage, type LoadedImage } from './useJobImage.js';

type Pair = 'result' | 'shadow';
/** Until an image has arrived (nothing is drawn meanwhile). */
const PLACEHOLDER_WINDOW: Windowing = { center: 0, width: 1 };

/** `onViewed` runs when images arrived: each fetch adds a patient.view row to the job's audit trail. */
export function JobCompare({ detail, onViewed }: { detail: JobDetail; onViewed?: () => void }) {
  const { job, files } = detail;
  // For a shadow job, the "active" side is its primary job; for any other, the shadow is the counterpart.
  const active = job.role === 'shadow' ? detail.primary : job;
  const shadow = job.role === 'shadow' ? job : detail.shadow;
  const shadowReady = !!active?.derivedSopInstanceUid && !!shadow?.derivedSopInstanceUid;
  const [pair, setPair] = useState<Pair>('result');
  const hasDerived = files.derived && !!job.derivedSopInstanceUid;

  const source = useJobImage(files.source ? job.id : undefined, 'source', job.instanceId);
  const derived = useJobImage(hasDerived ? job.id : undefined, 'derived', job.finishedAt);
  const other = pair === 'shadow' ? (job.role === 'shadow' ? active : shadow) : undefined;
  const counterpart = useJobImage(other?.id, 'derived', other?.finishedAt);

  const reference = source.raw?.meta ?? derived.raw?.meta;
  useEffect(() => {
    if (source.raw || derived.raw || counterpart.raw) onViewed?.();
  }, [source.raw, derived.raw, counterpart.raw]); // eslint-disable-line react-hooks/exhaustive-deps
  // The reference window is the view's starting point and its "Default" preset; the reader's
  // changes are only reported back (for the line under the images).
  const [win, setWin] = useState<Windowing>();

  const sides = useSides(pair, job, active, shadow, { source, derived, counterpart }, reference);
  if (!files.source && !hasDerived) return <Notice kind="warn">Neither image is on the node any more (retention deleted them); the PACS has the originals.</Notice>;
  return (
    <div data-testid="job-compare" data-pair={pair}>
      {shadowReady && (
        <div className="tabs" role="tablist" aria-label="What to compare">
          <button type="button" role="tab" className="tab" aria-selected={pair === 'result'} onClick={() => setPair('result')}>Original | {job.role === 'shadow' ? 'shadow result' : 'denoised'}</button>
          <button type="button" role="tab" className="tab" aria-selected={pair === 'shadow'} data-testid="compare-shadow" onClick={() => setPair('shadow')}>Active | shadow model</button>
        </div>
      )}
      {!hasDerived && <Notice>No derived image yet{job.state === 'exported' || job.state === 'kept' ? ' (retention deleted it)' : `: the job is ${job.state}`}. The original is shown alone.</Notice>}
      <CompareView key={pair} left={sides.left} right={sides.right} window={reference?.window ?? PLACEHOLDER_WINDOW} onWindowChange={setWin} initialMode="side" height={520} />
      {reference && <ImageFacts meta={reference} window={win} />}
    </div>
  );
}

interface Images { source: LoadedImage; derived: LoadedImage; counterpart: LoadedImage }

function useSides(pair: Pair, job: Job, active: Job | undefined, shadow: Job | undefined, images: Images, reference: RawImageMeta | undefined): { left: CompareSide; right: CompareSide } {
  const { source, derived, counterpart } = images;
  const derivedImage = useMemo(() => toReference(derived.raw, reference), [derived.raw, reference]);
  const counterpartImage = useMemo(() => toReference(counterpart.raw, reference), [counterpart.raw, reference]);
  const side = (label: string, img: LoadedImage, image = img.raw?.image): CompareSide => ({ label, image, loading: img.loading, error: img.error });
  if (pair === 'result') {
    return { left: side('Original', source), right: side(`${job.role === 'shadow' ? 'Shadow' : 'Denoised'} · ${modelLabel(job)}`, derived, derivedImage) };
  }
  const activeLabel = `Active · ${active ? modelLabel(active) : '?'}`;
  const shadowLabel = `Shadow · ${shadow ? modelLabel(shadow) : '?'}`;
  // This job's own result is one side, the counterpart's the other; active always on the left.
  return job.role === 'shadow'
    ? { left: side(activeLabel, counterpart, counterpartImage), right: side(shadowLabel, derived, derivedImage) }
    : { left: side(activeLabel, derived, derivedImage), right: side(shadowLabel, counterpart, counterpartImage) };
}

function toReference(raw: RawImage | undefined, reference: RawImageMeta | undefined) {
  if (!raw) return undefined;
  return reference ? inUnitsOf(reference, raw) : raw.image;
}

function ImageFacts({ meta, window }: { meta: RawImageMeta; window: Windowing | undefined }) {
  return (
    <p className="muted small" data-testid="image-facts">
      {meta.width}×{meta.height}, {meta.bitsStored} bits stored{meta.signed ? ' (signed)' : ''}, {meta.photometric}
      {meta.rescaleSlope !== 1 || meta.rescaleIntercept !== 0 ? `, rescale ×${meta.rescaleSlope} + ${meta.rescaleIntercept}` : ''}.
      {' '}Window from {meta.windowSource === 'file' ? "the file's VOI" : 'the 0.5–99.5 % percentiles'}: center {Math.round(meta.window.center)}, width {Math.round(meta.window.width)}
      {window && (Math.round(window.center) !== Math.round(meta.window.center) || Math.round(window.width) !== Math.round(meta.window.width)) ? ` (now ${Math.round(window.center)}/${Math.round(window.width)})` : ''}.
    </p>
  );
}
