// Selection rules (server/src/rules): validation errors that name their path, the default
// chest rules on realistic headers (and on the headers of the real files in ../shared), and
// skip reasons a person can read.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_RULES, RulesError, parseRules, selectInstance, type RuleSubject } from '../../server/src/rules/index.js';
import { parseDicom } from '../../server/src/pipeline/decode/index.js';
import { ROOT } from './helpers.js';

const CR = '1.2.840.10008.5.1.4.1.1.1';
const DX = '1.2.840.10008.5.1.4.1.1.1.1';
const SHARED = resolve(ROOT, '..', 'shared', 'data', 'dicom');
const NO_SHARED = !existsSync(SHARED) && `${SHARED} is missing: the default rules were NOT checked on the shared files`;

function issuesOf(input: unknown): readonly string[] {
  try {
    parseRules(input);
  } catch (err) {
    assert.ok(err instanceof RulesError, `expected RulesError, got ${(err as Error)?.name}`);
    return err.issues;
  }
  assert.fail('parseRules accepted invalid rules');
}

describe('parseRules', () => {
  it('accepts lists, a lone string as a list of one, null and "" for "absent"', () => {
    const rules = parseRules([
      { name: 'a', modality: 'cr', bodyPartExamined: [' Chest ', null, ''], seriesDescription: '^thorax' },
      { name: 'b', sopClassUid: [DX] },
    ]);
    assert.deepEqual(rules[0]!.modality, ['CR']);
    assert.deepEqual(rules[0]!.bodyPartExamined, ['CHEST', '', '']);
    assert.ok(rules[0]!.seriesDescription?.test('THORAX PA'), 'case-insensitive');
    assert.deepEqual(rules[1]!.sopClassUid, [DX]);
  });

  it('reports every problem with its path', () => {
    const issues = issuesOf([
      { name: 'chest', modality: ['CR', 5], bodypart: ['CHEST'] },
      { name: 'chest', seriesDescription: '(unclosed' },
      { modality: [] },
      'not a rule',
      { name: '  ', viewPosition: { PA: true }, seriesDescription: 42, sopClassUid: [''] },
    ]);
    const expected = [
      /^rules\[0\]\.modality\[1\]: expected a string .* got number 5$/,
      /^rules\[0\]\.bodypart: unknown key \(expected name, modality, bodyPartExamined, viewPosition, sopClassUid, seriesDescription\)$/,
      /^rules\[1\]\.name: duplicate rule name "chest"$/,
      /^rules\[1\]\.seriesDescription: invalid regex \(.*\)$/,
      /^rules\[2\]\.name: required$/,
      /^rules\[2\]\.modality: the list is empty/,
      /^rules\[3\]: expected a rule object, got the string "not a rule"$/,
      /^rules\[4\]\.name: expected a non-empty string/,
      /^rules\[4\]\.viewPosition: expected a string .* got an object$/,
      /^rules\[4\]\.seriesDescription: expected a regular expression as a string, got number 42$/,
      /^rules\[4\]\.sopClassUid: a SOP Class UID cannot be empty$/,
    ];
    for (const re of expected) assert.ok(issues.some((i) => re.test(i)), `no issue matches ${re}:\n${issues.join('\n')}`);
    assert.equal(issues.length, expected.length, issues.join('\n'));
  });

  it('refuses what is not a rule list, and an empty one', () => {
    assert.match(issuesOf({ name: 'x' })[0]!, /^rules: expected a list of rules, got an object$/);
    assert.match(issuesOf([])[0]!, /^rules: the list is empty/);
    assert.match(new RulesError(['rules[0].name: required']).message, /invalid selection rules:\n {2}rules\[0\]\.name: required/);
  });

  it('reads the rule list of a YAML configuration', () => {
    const config = parseYaml(`
rules:
  - name: chest
    modality: [CR, DX]
    bodyPartExamined: [CHEST, THORAX]
  - name: chest-by-description
    modality: DX
    bodyPartExamined: [""]
    seriesDescription: "\\\\b(chest|thorax|tórax)\\\\b"
`) as { rules: unknown };
    const rules = parseRules(config.rules);
    assert.equal(selectInstance(rules, { modality: 'DX', bodyPartExamined: 'thorax', sopClassUid: DX }).selected, true);
    assert.deepEqual(selectInstance(rules, { modality: 'DX', seriesDescription: 'Tórax AP portable', sopClassUid: DX }), { selected: true, rule: 'chest-by-description' });
  });
});

describe('selectInstance with the default rules', () => {
  const base: RuleSubject = { modality: 'CR', sopClassUid: CR };

  it('selects chest radiographs by body part, however it is cased or padded', () => {
    assert.deepEqual(selectInstance(DEFAULT_RULES, { ...base, bodyPartExamined: 'CHEST', viewPosition: 'PA' }), { selected: true, rule: 'chest' });
    assert.deepEqual(selectInstance(DEFAULT_RULES, { modality: 'dx ', bodyPartExamined: ' chest', sopClassUid: DX }), { selected: true, rule: 'chest' });
  });

  it('selects CR/DX without a body part when the view is a chest view', () => {
    for (const view of ['PA', 'AP', 'LL', 'RL', 'LAT', 'lateral']) {
      assert.deepEqual(selectInstance(DEFAULT_RULES, { ...base, viewPosition: view }), { selected: true, rule: 'chest-view-no-body-part' }, view);
    }
    assert.deepEqual(selectInstance(DEFAULT_RULES, { ...base, bodyPartExamined: '  ', viewPosition: 'AP' }), { selected: true, rule: 'chest-view-no-body-part' });
  });

  it('skips everything else, saying what it saw', () => {
    const cases: Array<[RuleSubject, string]> = [
      [{ modality: 'MR', bodyPartExamined: 'HEAD', sopClassUid: '1.2.840.10008.5.1.4.1.1.4' }, 'skipped: no rule matched (Modality=MR, BodyPartExamined=HEAD, ViewPosition=(empty))'],
      [{ ...base, bodyPartExamined: 'HAND', viewPosition: 'PA' }, 'skipped: no rule matched (Modality=CR, BodyPartExamined=HAND, ViewPosition=PA)'],
      [{ modality: 'DX', sopClassUid: DX }, 'skipped: no rule matched (Modality=DX, BodyPartExamined=(empty), ViewPosition=(empty))'],
      [{ ...base, viewPosition: 'OBLIQUE' }, 'skipped: no rule matched (Modality=CR, BodyPartExamined=(empty), ViewPosition=OBLIQUE)'],
      [{ sopClassUid: CR, bodyPartExamined: 'CHEST' }, 'skipped: no rule matched (Modality=(empty), BodyPartExamined=CHEST, ViewPosition=(empty))'],
    ];
    for (const [header, reason] of cases) assert.deepEqual(selectInstance(DEFAULT_RULES, header), { selected: false, reason });
  });

  it('names the series description and SOP class in a skip reason only when a rule tests them', () => {
    const rules = parseRules([{ name: 'portable', seriesDescription: 'portable', sopClassUid: [DX] }]);
    const skip = selectInstance(rules, { modality: 'DX', seriesDescription: 'Chest PA', sopClassUid: CR });
    assert.deepEqual(skip, {
      selected: false,
      reason: `skipped: no rule matched (Modality=DX, BodyPartExamined=(empty), ViewPosition=(empty), SeriesDescription="Chest PA", SOPClassUID=${CR})`,
    });
  });

  it('on the real files: the chest ones are selected, the hips, hands and extremities are not', { skip: NO_SHARED }, () => {
    const verdicts = new Map<string, boolean>();
    for (const dir of ['chest', 'codecs-wg04', 'transcoded']) {
      for (const name of readdirSync(join(SHARED, dir)).filter((n) => n.endsWith('.dcm'))) {
        const { dataset } = parseDicom(readFileSync(join(SHARED, dir, name)));
        const text = (tag: string): string | undefined => (dataset[tag]?.Value?.[0] as string | undefined) ?? undefined;
        const header = { modality: text('00080060'), bodyPartExamined: text('00180015'), viewPosition: text('00185101'), sopClassUid: text('00080016')! };
        verdicts.set(`${dir}/${name}`, selectInstance(DEFAULT_RULES, header).selected);
      }
    }
    const selected = [...verdicts].filter(([, s]) => s).map(([n]) => n);
    for (const name of selected) assert.match(name, /^(chest|transcoded)\//, `${name} should not be selected`);
    // Every chest file is selected except the DX one that carries neither body part nor view.
    assert.deepEqual([...verdicts].filter(([n, s]) => /^(chest|transcoded)\//.test(n) && !s).map(([n]) => n), ['chest/DX_JPEG2KLossless_1s_1f_u_16_16.dcm']);
  });
});
