// The figures of a try: where it ran (and why there) and how long each step took, and what the
// guard did.
import { Notice } from '../../components/ui.js';
import { formatMs, formatNumber } from '../../format.js';
import type { GuardReport } from './node-shared.js';
import type { TryOutcome } from './run.js';

export function TryStats({ outcome, report, blendMs }: { outcome: TryOutcome; report: GuardReport; blendMs: number }) {
  const t = outcome.timings;
  const loaded = outcome.loaded;
  return (
    <div className="grid grid-2 try-stats">
      <dl className="props" data-testid="try-timings">
        <dt>Engine</dt><dd>{outcome.provider}{outcome.engine === 'server' && ' on the node'}{loaded && <> · {loaded.isolated ? 'cross-origin isolated' : <strong>not cross-origin isolated (one thread)</strong>}</>}</dd>
        <dt>Model</dt><dd>{outcome.model.name} {outcome.model.version}</dd>
        <dt>Input</dt><dd>{outcome.input.detail}</dd>
        <dt>Decode</dt><dd>{formatMs(t.decodeMs)}</dd>
        {outcome.engine === 'browser' && <><dt>Model load</dt><dd>{t.modelMs > 50 ? formatMs(t.modelMs) : 'already loaded'}</dd></>}
        <dt>Model run</dt><dd><strong data-testid="try-infer-ms">{formatMs(t.inferMs)}</strong> · {t.tiles} tile{t.tiles === 1 ? '' : 's'} of ≤ {outcome.model.tile} px, overlap {outcome.model.overlap}</dd>
        {t.requestMs !== undefined && <><dt>Round trip</dt><dd>{formatMs(t.requestMs)} (upload, node, answer)</dd></>}
        <dt>Guard and blend</dt><dd>{formatMs(blendMs)}</dd>
      </dl>
      <dl className="props" data-testid="try-guard">
        <dt>Noise σ</dt><dd>{formatNumber(report.sigma * 255, 2)} / 255{report.sigmaStored !== undefined && <> ({formatNumber(report.sigmaStored, 1)} stored units)</>}</dd>
        <dt>Bound</dt><dd>k {report.k} × σ = {formatNumber(report.bound * 255, 2)} / 255</dd>
        <dt>Strength</dt><dd>{formatNumber(report.strength, 2)}</dd>
        <dt>Bounded pixels</dt><dd>{formatNumber(report.clippedFraction * 100, 2)} %, orange in the overlay (flag above {formatNumber(report.maxClippedFraction * 100, 0)} %)</dd>
        <dt>Largest change</dt><dd>{formatNumber(report.maxChange * 255, 1)} / 255 proposed, {formatNumber(report.maxAppliedChange * 255, 1)} applied</dd>
        <dt>Guard</dt><dd>{report.flagged ? <strong className="try-flag">flagged: a job would be marked GUARD or held</strong> : 'within bounds'}</dd>
      </dl>
    </div>
  );
}

/** Which engine ran the model and why; whether the file left this machine. */
export function TryRan({ outcome }: { outcome: TryOutcome }) {
  const testid = { 'data-testid': 'try-ran', 'data-engine': outcome.engine };
  if (outcome.engine === 'browser') {
    return <div {...testid}><Notice kind="ok">Denoised in this browser ({outcome.provider}): the file did not leave this machine.</Notice></div>;
  }
  if (outcome.fallback) {
    return (
      <div {...testid}>
        <Notice kind="warn">
          Denoised on the node ({outcome.provider}): this browser could not run the model. The file was sent to the node for this, and not stored there.
          <div className="small try-why">Why: {outcome.fallback.replace(/\.+$/, '')}.</div>
        </Notice>
      </div>
    );
  }
  return <div {...testid}><Notice kind="info">Denoised on the node ({outcome.provider}), as chosen: the file was sent to the node for this, and not stored there.</Notice></div>;
}
