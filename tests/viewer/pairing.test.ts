// The hanging protocol's pairing, on a real derived object: derived series go with their source
// through SourceImageSequence / ReferencedSeriesSequence, never through look-alike descriptions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDerivedDisplaySet, pairDisplaySets, pairRole } from '../../viewer-extension/src/derived/pairing.js';
import { useDerivedFixture, displaySet, otherSeries } from './viewer-fixtures.js';

describe('pairing derived series with their source', () => {
  const fixture = useDerivedFixture();

  it('recognises the derived object and pairs it by its source instance', () => {
    const fx = fixture.get();
    const source = displaySet(fx.source);
    const derived = displaySet(fx.derived);
    assert.equal(isDerivedDisplaySet(derived), true);
    assert.equal(isDerivedDisplaySet(source), false);
    const { pairs, orphans } = pairDisplaySets([derived, source]);
    assert.equal(pairs.length, 1);
    assert.equal(orphans.length, 0);
    assert.equal(pairs[0]!.source, source);
    assert.equal(pairs[0]!.derived, derived);
    assert.equal(pairs[0]!.matchedBy, 'instance');
    assert.equal(pairRole(source, pairs), 'source:0');
    assert.equal(pairRole(derived, pairs), 'derived:0');
  });

  it('ignores a look-alike series that the derived object does not reference', () => {
    const fx = fixture.get();
    // Same description, modality and number as the source: only the references tell them apart.
    const decoy = displaySet(otherSeries(fx.source, '7'));
    const source = displaySet(fx.source);
    const derived = displaySet(fx.derived);
    const { pairs } = pairDisplaySets([decoy, derived, source]);
    assert.equal(pairs.length, 1);
    assert.equal(pairs[0]!.source, source);
    assert.equal(pairRole(decoy, pairs), undefined);
  });

  it('falls back to the referenced series when the exact instance is not there', () => {
    const fx = fixture.get();
    // The series is in the study but the referenced instance has another UID (re-sent, say).
    const sameSeries = displaySet({ ...fx.source, SOPInstanceUID: `${String(fx.source.SOPInstanceUID)}.9` });
    const { pairs } = pairDisplaySets([displaySet(fx.derived), sameSeries]);
    assert.equal(pairs.length, 1);
    assert.equal(pairs[0]!.matchedBy, 'series');
  });

  it('reports a derived series whose source is not in the study as an orphan', () => {
    const fx = fixture.get();
    const { pairs, orphans } = pairDisplaySets([displaySet(fx.derived), displaySet(otherSeries(fx.source, '8'))]);
    assert.equal(pairs.length, 0);
    assert.equal(orphans.length, 1);
  });

  it('does not take an unmarked DERIVED object (another vendor) for ours', () => {
    const fx = fixture.get();
    const foreign = { ...fx.derived, ContributingEquipmentSequence: [] } as typeof fx.derived;
    for (const key of Object.keys(foreign)) if (key.startsWith('0071')) delete foreign[key];
    assert.equal(isDerivedDisplaySet(displaySet(foreign)), false);
  });

  it('orders pairs by the source series number', () => {
    const fx = fixture.get();
    const first = displaySet({ ...fx.source, SeriesNumber: 1 });
    const secondSource = otherSeries(fx.source, '2', { SeriesNumber: 2 });
    const second = displaySet(secondSource);
    const secondDerived = displaySet(otherSeries(fx.derived, '2', {
      SourceImageSequence: [{ ReferencedSOPInstanceUID: secondSource.SOPInstanceUID, ReferencedSOPClassUID: secondSource.SOPClassUID }],
      ReferencedSeriesSequence: [{ SeriesInstanceUID: secondSource.SeriesInstanceUID }],
    }));
    const { pairs } = pairDisplaySets([secondDerived, second, displaySet(fx.derived), first]);
    assert.deepEqual(pairs.map((p) => p.source), [first, second]);
  });
});
