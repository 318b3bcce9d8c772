// Node config (`sharpxr start`): defaults, YAML/JSON files, environment overrides, and errors
// that name the offending key.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadNodeConfig, parseDestinationsEnv } from '../../server/src/config/index.js';
import { createLogger } from '../../server/src/node/logger.js';
import { tempDir } from './helpers.js';

const ENV = { SHARPXR_MODEL: '/models/m.onnx' };

describe('node config', () => {
  const tmp = tempDir('sharpxr-nodecfg-');
  after(() => tmp.cleanup());

  it('has safe defaults: loopback HTTP, data under ./var, SQLite in the data folder', () => {
    const c = loadNodeConfig({ env: ENV, cwd: tmp.dir });
    assert.equal(c.dicom.aeTitle, 'SHARPXR');
    assert.equal(c.dicom.port, 11112);
    assert.deepEqual(c.dicom.allowedCallingAeTitles, []);
    assert.equal(c.dicom.maxAssociations, 32);
    assert.equal(c.http.host, '127.0.0.1');
    assert.equal(c.dataDir, join(tmp.dir, 'var'));
    assert.equal(c.databaseUrl, `file:${join(tmp.dir, 'var', 'sharpxr.db')}`);
    assert.equal(c.processing.guard.strength, 0.8);
    assert.equal(c.processing.guard.policy, 'send-marked');
    assert.equal(c.queue.maxAttempts, 5);
    assert.deepEqual(c.destinations, []);
    assert.ok(Object.isFrozen(c.processing.guard));
  });

  it('reads a YAML file, resolving relative paths against its folder', () => {
    const file = join(tmp.dir, 'node.yaml');
    writeFileSync(file, [
      'dicom: { aeTitle: DENOISE1, port: 4100, allowedCallingAeTitles: [ORTHANC, MODALITY1] }',
      'dataDir: data',
      'model: { path: ../m.onnx, tile: 512, overlap: 64 }',
      'processing: { strength: 0.5, guardPolicy: hold }',
      'destinations:',
      '  - { name: pacs, aeTitle: ORTHANC, host: 127.0.0.1, port: 4242 }',
      '  - { name: sc, aeTitle: OLDPACS, host: pacs.local, port: 104, secondaryCapture: true }',
    ].join('\n'));
    const c = loadNodeConfig({ file, env: {} });
    assert.equal(c.dicom.aeTitle, 'DENOISE1');
    assert.deepEqual(c.dicom.allowedCallingAeTitles, ['ORTHANC', 'MODALITY1']);
    assert.equal(c.dataDir, join(tmp.dir, 'data'));
    assert.equal(c.inference.modelPath, join(tmp.dir, '..', 'm.onnx'));
    assert.equal(c.inference.tile, 512);
    assert.equal(c.processing.guard.policy, 'hold');
    assert.equal(c.destinations[1]!.secondaryCapture, true);
  });

  it('lets the environment override the file', () => {
    const file = join(tmp.dir, 'node.json');
    writeFileSync(file, JSON.stringify({ dicom: { port: 4100 }, destinations: [{ name: 'a', aeTitle: 'A', host: 'h', port: 1 }] }));
    const c = loadNodeConfig({
      file, env: { ...ENV, SHARPXR_DICOM_PORT: '4200', SHARPXR_AE_TITLE: 'ENVAE', SHARPXR_DESTINATIONS: 'pacs=ORTHANC@127.0.0.1:4242;sc', SHARPXR_STRENGTH: '1' },
    });
    assert.equal(c.dicom.port, 4200);
    assert.equal(c.dicom.aeTitle, 'ENVAE');
    assert.equal(c.processing.guard.strength, 1);
    assert.deepEqual(c.destinations, [{ name: 'pacs', aeTitle: 'ORTHANC', host: '127.0.0.1', port: 4242, secondaryCapture: true }]);
  });

  it('names the key in every error', () => {
    const cases: [unknown, RegExp][] = [
      [{ dicom: { prot: 1 } }, /dicom\.prot: unknown setting/],
      [{ dicom: { port: 70000 } }, /dicom\.port: expected an integer/],
      [{ dicom: { aeTitle: 'A\\B' } }, /dicom\.aeTitle: .* not an AE title/],
      [{ dicom: { aeTitle: 'THIS_IS_TOO_LONG_AE' } }, /dicom\.aeTitle/],
      [{ processing: { strength: 1.5 } }, /processing\.strength: expected a number in \[0, 1\]/],
      [{ processing: { guardPolicy: 'drop' } }, /processing\.guardPolicy: expected one of send-marked, hold/],
      [{ destinations: [{ name: 'a', aeTitle: 'A', host: 'h' }] }, /destinations\[0\]\.port: required/],
      [{ destinations: [{ name: 'a', aeTitle: 'A', host: 'h', port: 1 }, { name: 'a', aeTitle: 'B', host: 'h', port: 2 }] }, /"a" is used twice/],
      [{ database: { url: 'mysql://x' } }, /database\.url: expected file:/],
      [{ queue: { backoffBaseMs: 1000, backoffMaxMs: 10 } }, /queue\.backoffMaxMs/],
      [{ model: { tile: 100, overlap: 80 } }, /model: overlap 80/],
    ];
    for (const [raw, pattern] of cases) {
      const file = join(tmp.dir, 'bad.json');
      writeFileSync(file, JSON.stringify(raw));
      assert.throws(() => loadNodeConfig({ file, env: ENV }), (err: Error) => err instanceof ConfigError && pattern.test(err.message), JSON.stringify(raw));
    }
    assert.throws(() => parseDestinationsEnv('pacs=ORTHANC@host'), /name=AE@host:port/);
    assert.throws(() => loadNodeConfig({ file: join(tmp.dir, 'missing.yaml'), env: ENV }), /config file .*missing\.yaml/);
  });
});

describe('logger', () => {
  it('writes one JSON object per line with context, and never patient identifiers', () => {
    const lines: string[] = [];
    const log = createLogger('info', (l) => lines.push(l)).child({ associationId: 'a1' });
    log.debug({}, 'hidden');
    log.info({ PatientName: 'DOE^JOHN', PatientID: '123', sopInstanceUid: '1.2.3' }, 'stored');
    assert.equal(lines.length, 1);
    const record = JSON.parse(lines[0]!);
    assert.equal(record.msg, 'stored');
    assert.equal(record.associationId, 'a1');
    assert.equal(record.sopInstanceUid, '1.2.3');
    assert.equal(record.PatientName, undefined);
    assert.equal(record.PatientID, undefined);
    assert.doesNotMatch(lines[0]!, /DOE/);
  });
});
