// The studies search in the URL and as the API path: only values the API accepts are read
// from the URL, empty ones are dropped, the date order is checked before asking, and the
// viewer link carries the study UID.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filterProblem, hasFilters, ohifStudyUrl, readStudyFilters, studiesPath } from '../../server/console/src/pages/studies/filters.js';

describe('studies filters', () => {
  it('reads the filters set in the URL, trimmed, and leaves out what the API would refuse', () => {
    const f = readStudyFilters(new URLSearchParams('q=%20fuji%20&patientId=P1&accession=&from=2024-01-02&to=20240105&state=bogus&guard=flagged&other=x'));
    assert.deepEqual(f, { q: 'fuji', patientId: 'P1', from: '2024-01-02', guard: 'flagged' });
    assert.ok(hasFilters(f));
    assert.equal(hasFilters(readStudyFilters(new URLSearchParams('other=1'))), false);
    assert.deepEqual(readStudyFilters(new URLSearchParams('state=kept&guard=ok')), { state: 'kept', guard: 'ok' });
  });

  it('builds the API path in a stable order with the cursor of the next page', () => {
    assert.equal(studiesPath({}), '/api/studies');
    assert.equal(studiesPath({ guard: 'ok', q: 'a b&c' }, { limit: 50, cursor: 'abc=' }), '/api/studies?q=a+b%26c&guard=ok&limit=50&cursor=abc%3D');
  });

  it('says when the date range is backwards, before the API refuses it', () => {
    assert.match(filterProblem({ from: '2024-02-01', to: '2024-01-01' }) ?? '', /after/);
    assert.equal(filterProblem({ from: '2024-01-01', to: '2024-01-01' }), undefined);
  });

  it('links a study to the viewer\'s comparison mode', () => {
    assert.equal(ohifStudyUrl('1.2.840.1'), '/viewer/sharpxr-compare?StudyInstanceUIDs=1.2.840.1');
  });
});
