// Try it: a dropped PNG, JPEG or DICOM file denoised in this browser with the registry's active
// model (onnxruntime-web; the file never leaves the machine), or on the node as a fallback.
// Original | denoised in the shared CompareView (side by side, swipe, flicker, difference), the
// guard's map as its overlay, a strength slider that re-blends without running the model
// again, and downloads (PNG, or the derived DICOM object for a DICOM file).
import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import { useApi } from '../../api.js';
import { useAuth } from '../../auth.js';
import { CompareView, type GrayImage, type Windowing } from '../../components/compare/CompareView.js';
import { Card, ErrorBanner, Loading, Notice, PageHeader } from '../../components/ui.js';
import type { PageProps } from '../index.js';
import { browserEngine } from './engine/browser-engine.js';
import { DropZone } from './DropZone.js';
import { blend, chooseWindow, type Blended, type ModelMapping } from './node-shared.js';
import type { TryModel, TryOutcome } from './run.js';
import { TryControls } from './TryControls.js';
import { TryDownloads } from './TryDownloads.js';
import { TryProgress } from './TryProgress.js';
import { TryRan, TryStats } from './TryStats.js';
import { useTry } from './useTry.js';
import './try.css';

export default function TryPage(_props: PageProps) {
  const { can } = useAuth();
  const model = useApi<TryModel>('/api/try/model');
  const m = model.data;
  const t = useTry(m, can('operator'));
  const [strength, setStrength] = useState<number>();
  const effective = strength ?? m?.guard.strength ?? 0.8;
  const deferred = useDeferredValue(effective);
  const { input, outcome, stage } = t;
  const result = useBlend(outcome, m, deferred);
  const guardMap = useMemo(() => result && outcome && boundedMap(result.blended.map, outcome.image), [result, outcome]);
  useExposeForTests(outcome, result, deferred);
  const view = useMemo(() => (input && m ? windowFor(chooseWindow(input.image.pixels, input.image, { tail: m.windowTail })) : undefined), [input, m]);
  const shown = outcome?.image ?? input?.image;
  const busy = stage !== undefined;

  return (
    <>
      <PageHeader title="Try it" subtitle="Denoise a radiograph with the node's model. It runs here in the browser, so the file does not leave this machine, unless you choose the node or this browser cannot run it." />
      {model.error && <ErrorBanner error={model.error} title="No model to try" />}
      {!m && !model.error && <Loading label="Asking the node for its model…" />}
      {m && (
        <Card>
          <DropZone busy={busy} current={input?.name} onFile={t.drop} />
          <TryControls engine={t.engine} canUseNode={can('operator')} browserUnavailable={t.browserUnavailable} onEngine={t.setEngine}
            strength={effective} defaultStrength={m.guard.strength} onStrength={setStrength} disabled={!outcome} model={m} threads={browserEngine.threadsWanted()} />
          {stage && <TryProgress stage={stage} threads={browserEngine.threadsWanted()} />}
          {t.failure && <ErrorBanner error={t.failure.error} title={t.failure.title} />}
          {t.browserUnavailable && !can('operator') && <Notice kind="warn">This browser cannot run the model ({t.browserUnavailable}), and running it on the node needs the operator role.</Notice>}
          {input?.decodedBy === 'node' && <Notice kind="warn">This browser cannot decode {input.detail.split(',')[0]}: the file was sent to the node to be decoded (and not stored there).</Notice>}
          {!self.crossOriginIsolated && t.engine === 'browser' && !t.browserUnavailable && <Notice kind="warn">This page is not cross-origin isolated, so the model runs on one thread (the node sends the headers that allow more; a proxy may have dropped them).</Notice>}
        </Card>
      )}
      {input && view && m && (
        <Card title={outcome ? `${input.name}: original | denoised` : input.name}>
          {outcome && <TryRan outcome={outcome} />}
          {/* Side by side until the result comes (a swipe needs both images: it showed neither),
              then a fresh view in swipe mode. */}
          <CompareView key={outcome ? 'result' : 'pending'} window={view} initialMode={outcome ? 'swipe' : 'side'} height="min(70vh, 720px)"
            left={{ label: 'Original', image: shown ? { width: shown.width, height: shown.height, data: shown.pixels } : undefined }}
            right={{ label: `Denoised (strength ${effective.toFixed(2)})`, image: result ? { width: outcome!.image.width, height: outcome!.image.height, data: result.blended.stored } : undefined, loading: busy }}
            {...(guardMap ? { overlay: guardMap } : {})} />
          {outcome && result && <TryStats outcome={outcome} report={result.blended.report} blendMs={result.ms} />}
          {outcome && result && <TryDownloads outcome={outcome} blended={result.blended} model={m} strength={deferred} canDerive={can('operator')} />}
        </Card>
      )}
      {!input && m && <p className="muted try-hint">The model is {m.name} {m.version}. It runs on tiles of up to {m.tile} px with {m.overlap} px overlap and the fidelity guard (k = {m.guard.k}), exactly as the node runs it on incoming images.</p>}
    </>
  );
}

/**
 * The guard's map as the overlay shows it: the pixels where the guard bounded the model's
 * change. (The full map, the share of the bound each change uses, is over half the bound in
 * most of a noisy lung: drawn as it is, it hides the image it explains.)
 */
function boundedMap(map: Float32Array, size: { width: number; height: number }): GrayImage {
  const data = new Float32Array(map.length);
  for (let i = 0; i < map.length; i++) data[i] = map[i]! >= 1 ? 1 : 0;
  return { width: size.width, height: size.height, data };
}

/** Guard and blend at `strength` (a few ms: the model does not run again). */
function useBlend(outcome: TryOutcome | undefined, m: TryModel | undefined, strength: number): { blended: Blended; ms: number } | undefined {
  return useMemo(() => {
    if (!outcome || !m) return undefined;
    const started = performance.now();
    const guard = { k: m.guard.k, strength, maxClippedFraction: m.guard.maxClippedFraction, policy: 'send-marked' as const };
    const blended = blend(outcome.image, outcome.prepared, outcome.output, guard);
    return { blended, ms: performance.now() - started };
  }, [outcome, m, strength]);
}

/** The stored window the normalize step chooses (MONOCHROME1 shown inverted, as a reader sees it). */
function windowFor(mapping: ModelMapping): Windowing {
  const { low, high, inverted } = mapping;
  return { center: (low + high) / 2, width: Math.max(1, high - low), invert: inverted };
}

/** window.__sharpxrTry: what the browser test compares with the node's answer. */
function useExposeForTests(outcome: TryOutcome | undefined, result: { blended: Blended } | undefined, strength: number): void {
  useEffect(() => {
    const w = window as unknown as { __sharpxrTry?: unknown };
    if (!outcome || !result) return void (w.__sharpxrTry = undefined);
    w.__sharpxrTry = {
      engine: outcome.engine, fallback: outcome.fallback ?? null, kind: outcome.input.kind, decodedBy: outcome.input.decodedBy, width: outcome.image.width, height: outcome.image.height,
      strength, threads: outcome.loaded?.threads ?? null, crossOriginIsolated: self.crossOriginIsolated, timings: outcome.timings,
      model: { id: outcome.model.id, name: outcome.model.name, version: outcome.model.version },
      result: result.blended.result, clippedFraction: result.blended.report.clippedFraction,
    };
  }, [outcome, result, strength]);
}
