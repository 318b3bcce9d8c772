// Pairs each SharpXR derived display set with its source in the same study, through the
// references the derived object carries: SourceImageSequence (the exact source instance) first,
// ReferencedSeriesSequence (the source series) when no instance matches. Never by description.
// Pure, so it is tested in Node and used by the hanging protocol and the panel alike.
import type { DisplaySet, InstanceMetadata } from '../ohif.js';
import { isSharpXRDerived, sourceReference } from './provenance.js';
import { number } from './values.js';

export interface ComparePair {
  readonly index: number;
  readonly source: DisplaySet;
  readonly derived: DisplaySet;
  /** 'instance' when SourceImageSequence matched, 'series' when only ReferencedSeriesSequence did. */
  readonly matchedBy: 'instance' | 'series';
}

export interface StudyPairs {
  readonly pairs: readonly ComparePair[];
  /** Derived display sets whose source is not in the study (deleted, or not yet arrived). */
  readonly orphans: readonly DisplaySet[];
}

function instancesOf(ds: DisplaySet): InstanceMetadata[] {
  if (ds.instances && ds.instances.length > 0) return ds.instances;
  if (ds.images && ds.images.length > 0) return ds.images;
  return ds.instance ? [ds.instance] : [];
}

function firstInstance(ds: DisplaySet): InstanceMetadata | undefined {
  return instancesOf(ds)[0];
}

export function isDerivedDisplaySet(ds: DisplaySet): boolean {
  const first = firstInstance(ds);
  return first !== undefined && isSharpXRDerived(first);
}

function findSource(derived: DisplaySet, candidates: readonly DisplaySet[]): { source: DisplaySet; matchedBy: ComparePair['matchedBy'] } | undefined {
  const ref = sourceReference(firstInstance(derived) ?? {});
  const bySop = candidates.find((c) => instancesOf(c).some((i) => i.SOPInstanceUID !== undefined && ref.sopInstanceUids.includes(i.SOPInstanceUID)));
  if (bySop) return { source: bySop, matchedBy: 'instance' };
  const bySeries = candidates.find((c) => ref.seriesInstanceUids.includes(c.SeriesInstanceUID));
  return bySeries ? { source: bySeries, matchedBy: 'series' } : undefined;
}

function sortKey(ds: DisplaySet): [number, number, string] {
  const first = firstInstance(ds);
  return [number(ds.SeriesNumber ?? first?.SeriesNumber) ?? Number.MAX_SAFE_INTEGER, number(first?.InstanceNumber) ?? 0, ds.SeriesInstanceUID];
}

function compare(a: DisplaySet, b: DisplaySet): number {
  const [sa, ia, ua] = sortKey(a);
  const [sb, ib, ub] = sortKey(b);
  return sa - sb || ia - ib || (ua < ub ? -1 : ua > ub ? 1 : 0);
}

/** The study's pairs, ordered by the source's series and instance number (stable across reloads). */
export function pairDisplaySets(displaySets: readonly DisplaySet[]): StudyPairs {
  const usable = displaySets.filter((d) => !d.unsupported);
  const derived = usable.filter(isDerivedDisplaySet);
  const candidates = usable.filter((d) => !isDerivedDisplaySet(d));
  const found: { source: DisplaySet; derived: DisplaySet; matchedBy: ComparePair['matchedBy'] }[] = [];
  const orphans: DisplaySet[] = [];
  for (const d of derived) {
    const match = findSource(d, candidates);
    if (match) found.push({ derived: d, ...match });
    else orphans.push(d);
  }
  found.sort((x, y) => compare(x.source, y.source) || compare(x.derived, y.derived));
  return { pairs: found.map((p, index) => ({ index, ...p })), orphans };
}

/** The hanging-protocol attribute value of a display set: 'source:<n>', 'derived:<n>' or undefined. */
export function pairRole(displaySet: DisplaySet, pairs: readonly ComparePair[]): string | undefined {
  for (const p of pairs) {
    if (p.derived.displaySetInstanceUID === displaySet.displaySetInstanceUID) return `derived:${p.index}`;
  }
  // A source may have several derived series (other models): its role is its first pair's.
  for (const p of pairs) {
    if (p.source.displaySetInstanceUID === displaySet.displaySetInstanceUID) return `source:${p.index}`;
  }
  return undefined;
}
