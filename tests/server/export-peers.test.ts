// Export SCU (issue 3, item 10) against DCMTK's storescp and against TCP peers that misbehave
// on purpose: bytes on the wire, the implicit VR fallback, and every failure class the job
// queue depends on (retry vs dead-letter). Orthanc as the PACS: export.test.ts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildDerived, type DerivedObject } from '../../server/src/derive/index.js';
import { dimse } from '../../server/src/export/dimse.js';
import {
  InvalidInstanceError, classifyStatus, echoDestination, readPart10, sendInstance, sendInstances, type Destination, type SendOptions,
} from '../../server/src/export/index.js';
import { decodeParsed, parseDicom } from '../../server/src/pipeline/decode/index.js';
import { dcmtkMissing, freePort, startStorescp, type StorescpHandle } from '../helpers/orthanc.js';
import { dcmtkEnvWithPrivateDictionary } from './derive-helpers.js';
import { ROOT, tempDir } from './helpers.js';

dimse.log.setLevel('silent'); // dcmjs-dimse logs every PDU at its default level (trace)

const FIXTURE = join(ROOT, 'tests', 'fixtures', 'dicom', 'CR-MONO1-10-chest_dcmbench_explicitLE.dcm');
const FIXTURE_UID = '1.2.392.200036.9125.0.19950720112207';
const J2K = resolve(ROOT, '..', 'shared', 'data', 'dicom', 'chest', 'DX_chest_966_fixed_J2KR.dcm');
const OPTIONS: SendOptions = { callingAeTitle: 'SHARPXR', timeoutMs: 10_000 };
const SKIP_DCMTK = dcmtkMissing();
if (SKIP_DCMTK) console.log(`export-peers.test: ${SKIP_DCMTK}: the storescp tests were NOT run`);

const at = (port: number, aeTitle = 'STORESCP'): Destination => ({ name: 'peer', aeTitle, host: '127.0.0.1', port });
const dataset = (bytes: Uint8Array): Buffer => readPart10(bytes).dataset;
const received = (scp: StorescpHandle, uid: string): string => {
  const file = scp.files().find((f) => f.endsWith(uid));
  assert.ok(file, `storescp did not write ${uid}:\n${scp.log()}`);
  return file;
};

async function derived(run: number): Promise<DerivedObject> {
  const parsed = parseDicom(readFileSync(FIXTURE));
  const image = await decodeParsed(parsed);
  return buildDerived({ source: parsed, pixels: image.pixels, provenance: { modelName: 'sharpxr-unet', modelVersion: '1.0.0', params: { run } } });
}

describe('export to storescp', { skip: SKIP_DCMTK ?? false }, () => {
  let scp: StorescpHandle;
  before(async () => { scp = await startStorescp(); });
  after(async () => { await scp?.stop(); });

  it('delivers the stored data set byte for byte (storescp +B writes what it received)', async () => {
    assert.deepEqual(await sendInstance(at(scp.port), FIXTURE, OPTIONS), { ok: true, status: 0 });
    const got = readFileSync(received(scp, FIXTURE_UID));
    assert.ok(dataset(got).equals(dataset(readFileSync(FIXTURE))), 'data set differs from the file sent');
    assert.equal(readPart10(got).transferSyntaxUid, '1.2.840.10008.1.2.1');
  });

  it('sends a batch on one association, derive\'s bytes unchanged', async () => {
    const objects = [await derived(1), await derived(2), await derived(3)];
    const before = (scp.log().match(/Association Received/g) ?? []).length;
    const lines: string[] = [];
    const capture = (level: string) => (fields: Record<string, unknown>, msg: string): void => { lines.push(`${level} ${msg} ${JSON.stringify(fields)}`); };
    const logger = { info: capture('info'), warn: capture('warn'), error: capture('error') };
    const outcomes = await sendInstances(at(scp.port), objects, { ...OPTIONS, logger });
    assert.deepEqual(outcomes, objects.map(() => ({ ok: true, status: 0 })));
    assert.equal(lines.filter((l) => l.startsWith('info C-STORE ok') && l.includes(objects[0]!.sopInstanceUid)).length, 1, lines.join('\n'));
    assert.ok(!lines.some((l) => /Anonymized|PatientName/i.test(l)), 'a patient attribute reached the log');
    for (const o of objects) assert.ok(dataset(readFileSync(received(scp, o.sopInstanceUid))).equals(dataset(o.bytes)));
    assert.equal((scp.log().match(/Association Received/g) ?? []).length - before, 1, scp.log());
  });

  it('fails for good when the peer refuses the SOP class (presentation context rejected)', async () => {
    const { dir, cleanup } = tempDir();
    try {
      // Same length UID, so the file stays valid: CR Image Storage -> a class nobody supports.
      const cr = Buffer.from('1.2.840.10008.5.1.4.1.1.1\0', 'latin1');
      const bogus = Buffer.from('1.2.826.0.1.3680043.10.99\0', 'latin1');
      const bytes = readFileSync(FIXTURE);
      for (let i = bytes.indexOf(cr); i >= 0; i = bytes.indexOf(cr, i + 1)) bogus.copy(bytes, i);
      const file = join(dir, 'bogus.dcm');
      writeFileSync(file, bytes);
      const outcome = await sendInstance(at(scp.port), file, OPTIONS);
      assert.ok(!outcome.ok && !outcome.retryable, JSON.stringify(outcome));
      assert.match(outcome.error, /rejected the presentation context for SOP class 1\.2\.826\.0\.1\.3680043\.10\.99/);
    } finally {
      cleanup();
    }
  });

  it('echoes', async () => {
    assert.equal((await echoDestination(at(scp.port), OPTIONS)).ok, true);
  });
});

describe('export to a peer that accepts implicit VR little endian only', { skip: SKIP_DCMTK ?? false }, () => {
  let scp: StorescpHandle;
  before(async () => { scp = await startStorescp({ implicitOnly: true }); });
  after(async () => { await scp?.stop(); });

  // DCMTK converts what arrived back to explicit VR (its dictionary supplies the VRs, with
  // SharpXR's private block added: implicit VR carries none); that must give back exactly the
  // bytes we started from.
  const backToExplicit = (file: string): Buffer => {
    const { dir, cleanup } = tempDir();
    try {
      execFileSync('dcmconv', ['+te', '-F', file, join(dir, 'out')], { env: dcmtkEnvWithPrivateDictionary(dir) });
      return readFileSync(join(dir, 'out'));
    } finally {
      cleanup();
    }
  };

  for (const [label, input] of [['the fixture', () => FIXTURE], ['a derived object (with sequences)', () => derived(7)]] as const) {
    it(`converts ${label} to implicit VR itself, values unchanged`, async () => {
      const source = await input();
      const original = dataset(typeof source === 'string' ? readFileSync(source) : source.bytes);
      const uid = typeof source === 'string' ? FIXTURE_UID : source.sopInstanceUid;
      assert.deepEqual(await sendInstance(at(scp.port), source, OPTIONS), { ok: true, status: 0 });
      const file = received(scp, uid);
      assert.equal(readPart10(readFileSync(file)).transferSyntaxUid, '1.2.840.10008.1.2');
      assert.ok(backToExplicit(file).equals(original), 'implicit data set does not convert back to the original');
    });
  }
});

/** A TCP server that plays a broken DICOM peer: `onData` gets the first bytes we send. */
async function fakePeer(onConnect: (socket: Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnect(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return { port, close };
}

/** Answers the A-ASSOCIATE-RQ with one PDU (type, 4 parameter bytes) and closes. */
const answerWith = (type: number, params: readonly number[]) => (socket: Socket): void => {
  socket.once('data', () => socket.end(Buffer.from([type, 0, 0, 0, 0, 4, ...params])));
};

describe('export failure outcomes', () => {
  it('nothing listening: retryable, at once', async () => {
    const t0 = Date.now();
    const outcome = await sendInstance(at(await freePort()), FIXTURE, OPTIONS);
    assert.ok(Date.now() - t0 < 1000);
    assert.ok(!outcome.ok && outcome.retryable && /connection refused/.test(outcome.error), JSON.stringify(outcome));
    const echo = await echoDestination(at(await freePort()), OPTIONS);
    assert.ok(!echo.ok && echo.retryable, JSON.stringify(echo));
  });

  it('a peer that accepts the connection and never answers: retryable timeout within timeoutMs', async () => {
    const peer = await fakePeer(() => {});
    try {
      const t0 = Date.now();
      const outcome = await sendInstance(at(peer.port), FIXTURE, { ...OPTIONS, timeoutMs: 1500 });
      const elapsed = Date.now() - t0;
      assert.ok(elapsed >= 1400 && elapsed < 2500, `took ${elapsed} ms`);
      assert.ok(!outcome.ok && outcome.retryable, JSON.stringify(outcome));
      assert.match(outcome.error, /no answer within 1500 ms \(negotiating the association\)/);
    } finally {
      await peer.close();
    }
  });

  const cases: Array<[string, number, readonly number[], boolean, RegExp]> = [
    ['association rejected, transient (congestion)', 0x03, [0, 2, 3, 1], true, /rejected \(transient\).*temporary congestion/],
    ['association rejected, permanent (calling AE unknown)', 0x03, [0, 1, 1, 3], false, /calling AE title "SHARPXR" not recognized/],
    ['A-ABORT from the peer', 0x07, [0, 0, 2, 0], true, /aborted the association \(source 2/],
  ];
  for (const [label, type, params, retryable, error] of cases) {
    it(`${label}: retryable ${retryable}`, async () => {
      const peer = await fakePeer(answerWith(type, params));
      try {
        const outcome = await sendInstance(at(peer.port), FIXTURE, OPTIONS);
        assert.ok(!outcome.ok && outcome.retryable === retryable, JSON.stringify(outcome));
        assert.match(outcome.error, error);
      } finally {
        await peer.close();
      }
    });
  }

  it('a peer that hangs up at once: retryable', async () => {
    const peer = await fakePeer((socket) => socket.destroy());
    try {
      const outcome = await sendInstance(at(peer.port), FIXTURE, OPTIONS);
      assert.ok(!outcome.ok && outcome.retryable, JSON.stringify(outcome));
    } finally {
      await peer.close();
    }
  });

  it('inputs we cannot send fail for good without contacting the peer', async () => {
    const down = at(await freePort());
    const [missing, compressed, garbage] = await sendInstances(down, [
      '/nonexistent.dcm', J2K, { bytes: new Uint8Array(200), sopClassUid: '1.2', sopInstanceUid: '1.2.3', transferSyntaxUid: '1.2.840.10008.1.2.4.90' },
    ], OPTIONS);
    assert.ok(!missing!.ok && !missing!.retryable && /ENOENT/.test(missing!.error));
    const j2kError = existsSync(J2K) ? /1\.2\.840\.10008\.1\.2\.4\.90 not supported/ : /ENOENT/;
    assert.ok(!compressed!.ok && !compressed!.retryable && j2kError.test(compressed!.error), JSON.stringify(compressed));
    assert.ok(!garbage!.ok && !garbage!.retryable && /not supported/.test(garbage!.error));
  });
});

describe('C-STORE status classification', () => {
  const table: Array<[number, boolean, boolean | undefined]> = [
    [0x0000, true, undefined], [0xb000, true, undefined], [0xb006, true, undefined], [0xb007, true, undefined],
    [0x0111, true, undefined], [0xa700, false, true], [0xa7ff, false, true], [0x0110, false, true],
    [0xa900, false, false], [0xc000, false, false], [0xc123, false, false], [0x0122, false, false], [0x0124, false, false],
  ];
  for (const [status, ok, retryable] of table) {
    it(`0x${status.toString(16).padStart(4, '0')}: ok ${ok}${ok ? '' : `, retryable ${retryable}`}`, () => {
      const outcome = classifyStatus(status, 'comment');
      assert.equal(outcome.ok, ok);
      assert.equal(outcome.status, status);
      if (!outcome.ok) {
        assert.equal(outcome.retryable, retryable);
        assert.match(outcome.error, /0x[0-9A-F]{4} .*\(comment\)/);
      }
    });
  }
});

describe('readPart10 (the meta header reader the decoder uses)', () => {
  it('splits a Part 10 file into its data set and the meta header\'s UIDs', () => {
    const bytes = readFileSync(FIXTURE);
    const wire = readPart10(bytes);
    assert.deepEqual([wire.sopInstanceUid, wire.transferSyntaxUid], [FIXTURE_UID, '1.2.840.10008.1.2.1']);
    assert.equal(wire.dataset.readUInt16LE(0), 0x0008, 'the data set starts after group 0002');
  });

  it('refuses a file cut inside its meta header, or without "DICM", as InvalidInstanceError', () => {
    const bytes = readFileSync(FIXTURE);
    assert.throws(() => readPart10(bytes.subarray(0, 200)), (err: unknown) => err instanceof InvalidInstanceError && /meta header is truncated/.test(err.message));
    assert.throws(() => readPart10(new Uint8Array(300)), (err: unknown) => err instanceof InvalidInstanceError && /no "DICM"/.test(err.message));
  });
});
