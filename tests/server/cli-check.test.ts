// `sharpxr check`: configuration validation without starting the node, and C-ECHO of every
// destination against a real DCMTK storescp (and a port nobody listens on).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../../server/src/cli/index.js';
import { freePort, HAVE_DCMTK, startStorescp } from '../helpers/dcmtk.js';
import { tempDir } from './helpers.js';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('sharpxr check', () => {
  const tmp = tempDir('sharpxr-check-');
  after(() => tmp.cleanup());

  it('prints the effective configuration of a valid file', async () => {
    const file = join(tmp.dir, 'ok.yaml');
    writeFileSync(file, 'dicom: { aeTitle: DENOISE1, port: 4100 }\nrules: [{ name: chest, modality: [CR], bodyPartExamined: [CHEST] }]\n');
    const r = await run(['check', '--config', file]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /configuration valid: AE DENOISE1 on port 4100, .* 1 selection rule\(s\), 0 destination\(s\)/);
    assert.equal(JSON.parse(r.out.slice(r.out.indexOf('{'))).dicom.aeTitle, 'DENOISE1');
  });

  it('names what is wrong: a config key, a rule, a missing model', async () => {
    const cases: [string, RegExp][] = [
      ['dicom: { port: -1 }\n', /dicom\.port: expected an integer/],
      ['rules: [{ name: r, modaliti: [CR] }]\n', /rules\[0\]\.modaliti/],
      ['model: { path: /nowhere/model.onnx }\n', /model: file not found: \/nowhere\/model\.onnx/],
    ];
    for (const [text, pattern] of cases) {
      const file = join(tmp.dir, 'bad.yaml');
      writeFileSync(file, text);
      const r = await run(['check', '--config', file]);
      assert.equal(r.code, 2, text);
      assert.match(r.err, pattern);
    }
  });

  it('--echo tests every destination and fails when one does not answer', { skip: !HAVE_DCMTK && 'DCMTK not installed' }, async () => {
    const scp = await startStorescp(join(tmp.dir, 'scp'), { aeTitle: 'PACS1' });
    try {
      const file = join(tmp.dir, 'dest.yaml');
      writeFileSync(file, [
        'destinations:',
        `  - { name: up, aeTitle: PACS1, host: 127.0.0.1, port: ${scp.port} }`,
        `  - { name: down, aeTitle: PACS2, host: 127.0.0.1, port: ${await freePort()} }`,
      ].join('\n'));
      const r = await run(['check', '--config', file, '--echo']);
      assert.equal(r.code, 1);
      assert.match(r.out, /C-ECHO up \(PACS1@127\.0\.0\.1:\d+\): ok in \d+ ms/);
      assert.match(r.err, /C-ECHO down \(PACS2@127\.0\.0\.1:\d+\): FAILED: /);
    } finally {
      await scp.stop();
    }
  });
});
