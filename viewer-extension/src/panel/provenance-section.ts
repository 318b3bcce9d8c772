// The panel's account of the derived series on screen, read from the derived object itself:
// model and version, the fidelity guard's figures and flag, and how it was derived.
import type { ComparePair } from '../derived/pairing.js';
import { readProvenance, type GuardFigures } from '../derived/provenance.js';
import { text } from '../derived/values.js';
import { field, h, styles } from './dom.js';

const pct = (f: number | undefined): string | undefined => (f === undefined ? undefined : `${(f * 100).toFixed(2)} %`);
const num = (v: number | undefined, digits = 1): string | undefined => (v === undefined ? undefined : v.toFixed(digits));

function guardRows(g: GuardFigures): HTMLElement[] {
  const rows = [
    field('Pixels at the bound', g.clippedFraction === undefined ? undefined : `${pct(g.clippedFraction)}${g.threshold !== undefined ? ` (flag above ${pct(g.threshold)})` : ''}`),
    field('Largest change', g.maxChange === undefined ? undefined : `${num(g.maxChange)} stored units`),
    field('Noise level σ', num(g.noiseSigma, 2)),
    field('Bound k·σ / strength', g.k === undefined ? undefined : `k ${g.k}${g.strength !== undefined ? ` · strength ${g.strength}` : ''}`),
  ];
  if (g.flagged) {
    rows.unshift(h('div', { style: styles.warn, 'data-sharpxr': 'guard-flag' }, 'GUARD: the change bound was reached on more pixels than allowed. The model treated this image unlike the chest films it was measured on: read the original.'));
  } else if (g.flagged === false) {
    rows.unshift(h('div', { style: `${styles.muted};color:#8fd19e`, 'data-sharpxr': 'guard-flag' }, 'Guard: within bounds'));
  }
  return rows;
}

export function provenanceSection(pair: ComparePair): HTMLElement {
  const instance = pair.derived.instances?.[0] ?? pair.derived.instance ?? {};
  const p = readProvenance(instance);
  return h('div', { style: styles.section, 'data-sharpxr': 'provenance' },
    h('div', { style: styles.banner }, 'DENOISED COPY · NOT FOR DIAGNOSTIC USE'),
    h('h3', { style: `${styles.heading};margin-top:10px` }, 'Model'),
    field('Model', p.modelName),
    field('Version', p.modelVersion),
    field('Made by', p.softwareVersion),
    field('Made at', p.contributionDateTime ? formatDateTime(p.contributionDateTime) : undefined),
    h('h3', { style: `${styles.heading};margin-top:10px` }, 'Fidelity guard'),
    ...guardRows(p.guard),
    h('h3', { style: `${styles.heading};margin-top:10px` }, 'Derivation'),
    field('Original series', seriesLabel(pair.source)),
    field('Denoised series', seriesLabel(pair.derived)),
    field('Paired by', pair.matchedBy === 'instance' ? 'Source Image Sequence' : 'Referenced Series Sequence'),
    p.derivationDescription ? h('p', { style: `${styles.muted};margin:6px 0 0;word-break:break-word` }, p.derivationDescription) : null,
  );
}

/** DICOM DT (YYYYMMDDHHMMSS…) as "YYYY-MM-DD HH:MM". */
function formatDateTime(dt: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?/.exec(dt);
  return m ? `${m[1]}-${m[2]}-${m[3]}${m[4] ? ` ${m[4]}:${m[5] ?? '00'}` : ''}` : dt;
}

/** "<number>: <description>", either part left out when the series does not have it. */
function seriesLabel(ds: ComparePair['source']): string {
  const description = text(ds.SeriesDescription);
  const number = ds.SeriesNumber !== undefined && ds.SeriesNumber !== '' ? `Series ${ds.SeriesNumber}` : undefined;
  return [number, description].filter(Boolean).join(': ') || 'unnamed series';
}
