// RuntimeSettings on a real migrated SQLite database: the console's destinations over the
// config file's (override, hide, add, disable, restore), validated by the config file's own
// parser with its messages; rules from the console, the file or the defaults; node settings
// with their source, live ones applied at once and the others at the next start; all of it
// persisted (a second load sees the same).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadNodeConfig, type NodeConfig } from '../../server/src/config/index.js';
import { recordInstance } from '../../server/src/db/index.js';
import { RulesError } from '../../server/src/rules/index.js';
import { RuntimeSettings, testRules, ValidationError, type SettingsChange } from '../../server/src/settings/index.js';
import { dbFiles } from './db-fixture.js';
import { tempDir } from './helpers.js';

const files = dbFiles();
const tmp = tempDir('sharpxr-settings-');
after(() => tmp.cleanup());

let fileCount = 0;
function configFrom(yaml: string, env: Record<string, string> = {}): NodeConfig {
  const file = join(tmp.dir, `node-${++fileCount}.yaml`);
  writeFileSync(file, yaml);
  return loadNodeConfig({ file, env: { SHARPXR_MODEL: '/models/m.onnx', ...env } });
}

const TWO_DESTINATIONS = [
  'destinations:',
  '  - { name: pacs, aeTitle: ORTHANC, host: 10.0.0.5, port: 4242 }',
  '  - { name: archive, aeTitle: ARCH, host: 10.0.0.6, port: 104, secondaryCapture: true }',
].join('\n');

function configError(yaml: string): string {
  try {
    configFrom(yaml);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message;
  }
  assert.fail('the config file was accepted');
}

async function rejection(p: Promise<unknown>): Promise<ValidationError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ValidationError, `expected ValidationError, got ${(err as Error).name}: ${(err as Error).message}`);
    return err;
  }
  assert.fail('accepted');
}

describe('RuntimeSettings: destinations', () => {
  it('overrides, hides, adds and disables over the config file, tagged by source, and persists', async () => {
    const { db } = await files.migratedDatabase();
    const config = configFrom(TWO_DESTINATIONS);
    const s = await RuntimeSettings.load(db, config);
    const changes: SettingsChange[] = [];
    s.onChange((c) => changes.push(c));
    assert.deepEqual(s.listDestinations().map((d) => [d.name, d.source]), [['pacs', 'config'], ['archive', 'config']]);

    await s.createDestination({ name: 'extra', aeTitle: 'EXTRA', host: '127.0.0.1', port: '11113' }, 'alice');
    const edited = await s.updateDestination('pacs', { port: 4343 }, 'alice');
    assert.equal(edited.before?.port, 4242);
    assert.equal(edited.after?.port, 4343);
    assert.equal(edited.after?.source, 'console-override');
    assert.equal(edited.after?.configValues?.port, 4242, 'the file\'s values are kept alongside');
    await s.deleteDestination('archive', 'alice');
    const disabled = await s.createDestination({ name: 'off', aeTitle: 'OFF', host: 'h', port: 1 }, 'bob');
    await s.updateDestination('off', { enabled: false }, 'bob');
    assert.equal(disabled.after?.enabled, true);

    const expectSent = [{ name: 'pacs', aeTitle: 'ORTHANC', host: '10.0.0.5', port: 4343, secondaryCapture: false },
      { name: 'extra', aeTitle: 'EXTRA', host: '127.0.0.1', port: 11113, secondaryCapture: false }];
    assert.deepEqual(s.destinations(), expectSent);
    assert.deepEqual(s.listDestinations().map((d) => [d.name, d.source, d.enabled, d.deleted]), [
      ['pacs', 'console-override', true, false], ['archive', 'console-override', true, true],
      ['extra', 'console', true, false], ['off', 'console', false, false],
    ]);
    assert.equal(s.destination('off')?.updatedBy, 'bob');
    assert.equal(changes.filter((c) => c.kind === 'destinations').length, 5);
    assert.deepEqual(changes.at(-1), { kind: 'destinations', destinations: expectSent });

    // A second node start reads the same from the database.
    const again = await RuntimeSettings.load(db, config);
    assert.deepEqual(again.destinations(), expectSent);

    // Restoring the file's versions; a console destination has none.
    await s.revertDestination('pacs');
    await s.revertDestination('archive');
    assert.deepEqual(s.listDestinations().slice(0, 2).map((d) => [d.name, d.source, d.port, d.deleted]), [['pacs', 'config', 4242, false], ['archive', 'config', 104, false]]);
    await assert.rejects(s.revertDestination('extra'), /added in the console; there is no config file version/);
    await s.deleteDestination('extra', 'alice');
    assert.equal(s.destination('extra'), undefined, 'a console destination is gone, not hidden');
    await db.$disconnect();
  });

  it('validates with the config file\'s parser and messages, every wrong field at once', async () => {
    const { db } = await files.migratedDatabase();
    const s = await RuntimeSettings.load(db, configFrom(TWO_DESTINATIONS));
    const err = await rejection(s.createDestination({ name: 'bad', aeTitle: 'BACK\\SLASH', host: '', port: 70000 }, 'alice'));
    assert.deepEqual(err.issues.map((i) => i.field), ['aeTitle', 'host', 'port']);
    // Word for word what the config file gets for the same destination, without the list prefix.
    for (const [field, value] of [['aeTitle', 'BACK\\SLASH'], ['host', ''], ['port', 70000]] as const) {
      const fromFile = configError(JSON.stringify({ destinations: [{ name: 'bad', aeTitle: 'OK', host: 'h', port: 1, [field]: value }] }));
      assert.equal(err.issues.find((i) => i.field === field)?.message, fromFile.replace(/^destinations\[0\]\./, ''));
    }
    assert.match((await rejection(s.createDestination({ name: ' ', aeTitle: 'A', host: 'h', port: 1 }, 'x'))).message, /^name: required$/);
    await assert.rejects(s.createDestination({ name: 'pacs', aeTitle: 'A', host: 'h', port: 1 }, 'x'), /"pacs" exists already \(config\)/);
    assert.match((await rejection(s.updateDestination('pacs', { name: 'renamed' }, 'x'))).message, /cannot be renamed/);
    await assert.rejects(s.updateDestination('nope', { port: 1 }, 'x'), /no destination named "nope"/);
    assert.deepEqual(s.listDestinations().map((d) => d.source), ['config', 'config'], 'nothing was written');
    assert.equal(await db.destinationSetting.count(), 0);
    await db.$disconnect();
  });
});

describe('RuntimeSettings: rules', () => {
  it('console rules over the file\'s over the defaults; errors list every path; reset', async () => {
    const { db } = await files.migratedDatabase();
    const withoutRules = await RuntimeSettings.load(db, configFrom('{}'));
    assert.equal(withoutRules.rulesState().source, 'default');
    const config = configFrom('rules:\n  - { name: file-rule, modality: [DX] }');
    const s = await RuntimeSettings.load(db, config);
    assert.equal(s.rulesState().source, 'config');
    assert.deepEqual(s.rules().map((r) => r.name), ['file-rule']);

    await assert.rejects(s.setRules({ rules: [{ name: 'a', modality: [] }, { name: 'a', bodyPart: 'CHEST' }] }, 'alice'), (err: unknown) => {
      assert.ok(err instanceof RulesError);
      assert.deepEqual(err.issues, [
        'rules[0].modality: the list is empty, so the rule could never match',
        'rules[1].bodyPart: unknown key (expected name, modality, bodyPartExamined, viewPosition, sopClassUid, seriesDescription)',
        'rules[1].name: duplicate rule name "a"',
      ]);
      return true;
    });
    assert.equal(s.rulesState().source, 'config', 'an invalid set changes nothing');
    const change = await s.setRules({ yaml: 'rules:\n  - name: console-cr\n    modality: CR\n' }, 'alice');
    assert.equal(change.before.source, 'config');
    assert.deepEqual(change.after.raw, [{ name: 'console-cr', modality: 'CR' }]);
    assert.deepEqual(s.rules().map((r) => [r.name, r.modality]), [['console-cr', ['CR']]]);
    assert.equal((await RuntimeSettings.load(db, config)).rulesState().updatedBy, 'alice');

    // A stored set that no longer validates is ignored with the reason, not fatal.
    await db.setting.update({ where: { key: 'rules' }, data: { valueJson: '[{"name": 3}]' } });
    const reloaded = await RuntimeSettings.load(db, config);
    assert.equal(reloaded.rulesState().source, 'config');
    assert.deepEqual(reloaded.rulesState().ignoredConsoleRules, ['rules[0].name: expected a non-empty string, got number 3']);

    await s.resetRules();
    assert.equal(s.rulesState().source, 'config');
    assert.equal(await db.setting.count({ where: { key: 'rules' } }), 0);
    await db.$disconnect();
  });

  it('explains a stored instance against the current or a proposed set', async () => {
    const { db } = await files.migratedDatabase();
    const s = await RuntimeSettings.load(db, configFrom('{}'));
    const base = {
      sopClassUid: '1.2.840.10008.5.1.4.1.1.1', transferSyntaxUid: '1.2.840.10008.1.2.1', studyInstanceUid: '1.2.3', seriesInstanceUid: '1.2.3.4',
      path: '/x.dcm', sizeBytes: 1, callingAeTitle: 'MOD', associationId: 'a', receivedAt: new Date(),
    };
    const hand = await recordInstance(db, { ...base, sopInstanceUid: '1.2.3.4.5', modality: 'CR', bodyPartExamined: 'HAND', viewPosition: 'PA' }, { selected: false, reason: 'skipped' });
    const chest = await recordInstance(db, { ...base, sopInstanceUid: '1.2.3.4.6', modality: 'DX', bodyPartExamined: 'chest ' }, { selected: true });
    const skipped = await testRules(db, s.rules(), { instanceId: hand.id });
    assert.equal(skipped.selected, false);
    assert.equal(skipped.reason, 'skipped: no rule matched (Modality=CR, BodyPartExamined=HAND, ViewPosition=PA)');
    assert.deepEqual(skipped.checks, [
      { rule: 'chest', matched: false, mismatches: ['BodyPartExamined is "HAND", the rule wants CHEST'] },
      { rule: 'chest-view-no-body-part', matched: false, mismatches: ['BodyPartExamined is "HAND", the rule wants (empty)'] },
    ]);
    assert.equal(skipped.instance.recorded.status, 'skipped');
    const selected = await testRules(db, s.rules(), { sopInstanceUid: '1.2.3.4.6' });
    assert.equal(selected.selected, true);
    assert.equal(selected.rule, 'chest');
    assert.match(selected.reason, /^selected: rule "chest" matched \(Modality=DX, BodyPartExamined=chest, ViewPosition=\(empty\)\)$/);
    assert.equal(selected.instance.id, chest.id);
    await assert.rejects(testRules(db, s.rules(), { instanceId: 'nope' }), /no stored instance with id nope/);
    await db.$disconnect();
  });
});

describe('RuntimeSettings: node settings', () => {
  it('says where each value comes from; live ones apply now, the others at the next start', async () => {
    const { db } = await files.migratedDatabase();
    const config = configFrom('dicom: { port: 4100 }\nretentionDays: 30\n', { SHARPXR_GUARD_POLICY: 'hold' });
    const s = await RuntimeSettings.load(db, config);
    const byId = () => Object.fromEntries(s.settings().map((v) => [v.id, v]));
    let v = byId();
    assert.deepEqual([v.dicomPort!.source, v.retentionDays!.source, v.guardPolicy!.source, v.aeTitle!.source], ['config', 'config', 'environment', 'default']);
    assert.deepEqual([v.dicomPort!.value, v.guardPolicy!.value, v.aeTitle!.value, v.retentionDays!.defaultValue], [4100, 'hold', 'SHARPXR', 14]);

    const changes: SettingsChange[] = [];
    s.onChange((c) => changes.push(c));
    const change = await s.updateSettings({ retentionDays: 3, guardPolicy: 'send-marked', dicomPort: '4200', aeTitle: 'DENOISE2' }, 'admin1');
    assert.deepEqual(change.changed.sort(), ['aeTitle', 'dicomPort', 'guardPolicy', 'retentionDays']);
    assert.deepEqual(changes, [{ kind: 'settings', ids: change.changed }]);
    v = byId();
    assert.deepEqual([s.retentionDays(), s.guardPolicy()], [3, 'send-marked'], 'live at once');
    assert.deepEqual([v.retentionDays!.restartRequired, v.guardPolicy!.restartRequired], [false, false]);
    assert.deepEqual([v.dicomPort!.value, v.dicomPort!.runningValue, v.dicomPort!.restartRequired, v.dicomPort!.source], [4200, 4100, true, 'console']);
    assert.equal(s.startupConfig.dicom.port, 4100, 'the running node keeps its port');
    assert.equal(v.aeTitle!.updatedBy, 'admin1');

    // The next start applies them; the database URL stays the file's even if the folder moves.
    const next = await RuntimeSettings.load(db, config);
    assert.deepEqual([next.startupConfig.dicom.port, next.startupConfig.dicom.aeTitle, next.startupConfig.processing.guard.policy], [4200, 'DENOISE2', 'send-marked']);
    assert.equal(next.settings().find((x) => x.id === 'dicomPort')!.restartRequired, false);
    // The way back in when a console port keeps the node from starting.
    const warnings: string[] = [];
    const rescue = configFrom('dicom: { port: 4100 }\nretentionDays: 30\n', { SHARPXR_GUARD_POLICY: 'hold', SHARPXR_IGNORE_CONSOLE_SETTINGS: '1' });
    const safe = await RuntimeSettings.load(db, rescue, { warn: (_f, msg) => warnings.push(msg) });
    assert.deepEqual([safe.startupConfig.dicom.port, safe.startupConfig.dicom.aeTitle, safe.retentionDays()], [4100, 'SHARPXR', 3], 'live ones still apply');
    assert.deepEqual(safe.settings().filter((x) => x.restartRequired).map((x) => x.id).sort(), ['aeTitle', 'dicomPort']);
    assert.match(warnings.join('\n'), /console settings NOT applied at start \(SHARPXR_IGNORE_CONSOLE_SETTINGS=1\)/);

    // null: back to the file's (or environment's) value.
    await s.updateSettings({ guardPolicy: null, dicomPort: null }, 'admin1');
    v = byId();
    assert.deepEqual([s.guardPolicy(), v.guardPolicy!.source, v.dicomPort!.value, v.dicomPort!.restartRequired], ['hold', 'environment', 4100, false]);
    await db.$disconnect();
  });

  it('rejects what the config file would reject, naming every key, and writes nothing', async () => {
    const { db } = await files.migratedDatabase();
    const config = configFrom('{}');
    const s = await RuntimeSettings.load(db, config);
    const err = await rejection(s.updateSettings({ aeTitle: 'X'.repeat(17), httpPort: 70000, retentionDays: -1, guardPolicy: 'drop', dataDir: 'relative/dir' }, 'a'));
    assert.deepEqual(err.issues.map((i) => i.message), [
      `dicom.aeTitle: "${'X'.repeat(17)}" is not an AE title (1-16 characters, no backslash)`,
      'http.port: expected an integer in [0, 65535], got 70000',
      'dataDir: give an absolute path (the console has no folder to resolve a relative one against)',
      'retentionDays: expected an integer in [0, 3650], got -1',
      'processing.guardPolicy: expected one of send-marked, hold, got "drop"',
    ]);
    assert.equal(configError('http: { port: 70000 }'), err.issues[1]!.message, 'the file\'s own message');
    const unwritable = await rejection(s.updateSettings({ dataDir: '/proc/sharpxr-store' }, 'a'));
    assert.match(unwritable.message, /^dataDir: cannot create or write \/proc\/sharpxr-store \(E[A-Z]+\)$/);
    const aFile = join(tmp.dir, 'a-file');
    writeFileSync(aFile, '');
    assert.match((await rejection(s.updateSettings({ dataDir: aFile }, 'a'))).message, /cannot create or write .*a-file \(not a folder\)$/);
    assert.equal(await db.setting.count(), 0);
    const dir = join(tmp.dir, 'new', 'store');
    await s.updateSettings({ dataDir: dir }, 'a');
    assert.equal(s.settings().find((x) => x.id === 'dataDir')!.restartRequired, true);
    const next = await RuntimeSettings.load(db, config);
    assert.equal(next.startupConfig.dataDir, dir);
    assert.equal(next.startupConfig.databaseUrl, config.databaseUrl);
    await db.$disconnect();
  });
});
