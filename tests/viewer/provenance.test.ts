// The panel's figures come from the derived object itself: model, version, guard statistics and
// derivation details, read here from a real derived object as OHIF receives it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSharpXRDerived, readProvenance, sourceReference } from '../../viewer-extension/src/derived/provenance.js';
import { shippedModels } from '../server/helpers.js';
import { useDerivedFixture } from './viewer-fixtures.js';

/** `sharpxr denoise` runs the shipped default model. */
const SHIPPED = await shippedModels();

describe('provenance read from the derived object', () => {
  const fixture = useDerivedFixture();

  it('names the model, its version and the node version', () => {
    const fx = fixture.get();
    const p = readProvenance(fx.derived);
    assert.equal(p.modelName, SHIPPED.default.name);
    assert.equal(p.modelVersion, SHIPPED.default.version);
    assert.match(p.softwareVersion ?? '', /^SharpXR \d+\.\d+/);
    assert.match(p.derivationDescription ?? '', /NOT FOR DIAGNOSTIC USE/);
    assert.ok(p.contributionDateTime, 'contribution date-time');
    assert.equal(isSharpXRDerived(fx.source), false);
    assert.equal(isSharpXRDerived(fx.derived), true);
  });

  it('carries the guard figures the pipeline measured', () => {
    const fx = fixture.get();
    const { guard, parameters } = readProvenance(fx.derived);
    // `sharpxr denoise` prints "guard: clipped 2.66 %, max change 313.9 stored".
    const printed = /guard: clipped ([\d.]+) %, max change ([\d.]+) stored/.exec(fx.report);
    assert.ok(printed, `denoise report: ${fx.report}`);
    assert.ok(guard.clippedFraction !== undefined && guard.clippedFraction >= 0 && guard.clippedFraction <= 1, `clipped ${guard.clippedFraction}`);
    assert.ok(Math.abs(guard.clippedFraction * 100 - Number(printed[1])) < 0.006, `${guard.clippedFraction} vs ${printed[1]} %`);
    assert.ok(Math.abs((guard.maxChange ?? NaN) - Number(printed[2])) < 0.06, `${guard.maxChange} vs ${printed[2]}`);
    assert.equal(typeof guard.flagged, 'boolean');
    assert.ok(guard.threshold !== undefined && guard.threshold > 0 && guard.threshold < 1, `threshold ${guard.threshold}`);
    assert.ok(parameters && JSON.parse(parameters), 'parameters JSON');
  });

  it('references exactly its source instance and series', () => {
    const fx = fixture.get();
    const ref = sourceReference(fx.derived);
    assert.deepEqual(ref.sopInstanceUids, [fx.source.SOPInstanceUID]);
    assert.deepEqual(ref.seriesInstanceUids, [fx.source.SeriesInstanceUID]);
  });
});
