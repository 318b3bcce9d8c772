// The listener's streaming structure scanner (server/src/ingest/scan.ts) and header reader,
// checked against dcmjs (through the decoder's parseDicom) on real files and on DCMTK
// rewrites of them (big endian, implicit VR, undefined-length sequences and items), fed in
// arbitrary chunk sizes; and its verdict on data sets cut short anywhere.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { WANTED_TAGS, checkedHeader } from '../../server/src/ingest/header.js';
import { ACCEPTED_STORAGE_SOP_CLASSES } from '../../server/src/ingest/negotiation.js';
import { DataSetScanner, ScanError, type ScanResult } from '../../server/src/ingest/scan.js';
import type { InstanceHeader } from '../../server/src/ingest/types.js';
import { parseDicom, transferSyntax } from '../../server/src/pipeline/decode/index.js';
import { readMetaHeader, sniffDataSetSyntax } from '../../server/src/pipeline/decode/meta.js';
import { dcmtk } from './dicom-builders.js';
import { ROOT, seededRandom, tempDir } from './helpers.js';
import { HAVE_DCMTK } from '../helpers/dcmtk.js';

const FIXTURE = join(ROOT, 'tests', 'fixtures', 'dicom', 'CR-MONO1-10-chest_dcmbench_explicitLE.dcm');
const SHARED = resolve(ROOT, '..', 'shared', 'data', 'dicom');
const HAVE_SHARED = existsSync(SHARED);
const NO_SHARED = `${SHARED} is missing: the shared-file scanner tests were NOT run`;
if (!HAVE_SHARED) console.log(`ingest-scan.test: ${NO_SHARED}`);

interface DataSetBytes {
  readonly uid: string;
  readonly littleEndian: boolean;
  readonly explicitVr: boolean;
  /** Inflated for the deflated syntax. */
  readonly bytes: Buffer;
}

function dataSetOf(path: string): DataSetBytes {
  const file = readFileSync(path);
  const hasMeta = file.toString('latin1', 128, 132) === 'DICM';
  const meta = hasMeta ? readMetaHeader(file, 132) : { end: 0, transferSyntaxUid: sniffDataSetSyntax(file, 0) ?? undefined };
  const syntax = transferSyntax(meta.transferSyntaxUid!);
  const raw = file.subarray(meta.end);
  return { uid: syntax.uid, littleEndian: syntax.littleEndian, explicitVr: syntax.explicitVr, bytes: syntax.deflated ? inflateRawSync(raw) : raw };
}

function scanInChunks(ds: DataSetBytes, seed: number, maxChunk: number): ScanResult {
  const scanner = new DataSetScanner(ds, WANTED_TAGS);
  const rand = seededRandom(seed);
  for (let at = 0; at < ds.bytes.length; ) {
    const n = 1 + Math.floor(rand() * maxChunk);
    scanner.push(ds.bytes.subarray(at, at + n));
    at += n;
  }
  return scanner.finish();
}

function headerOf(ds: DataSetBytes, scan: ScanResult): InstanceHeader {
  const sop = (tag: number): string => scan.values.get(tag)?.bytes.toString('latin1').replace(/[\0 ]+$/, '') ?? '';
  const expected = {
    sopClassUid: sop(0x00080016), sopInstanceUid: sop(0x00080018), transferSyntaxUid: ds.uid,
    encapsulated: transferSyntax(ds.uid).codec !== undefined, acceptedSopClasses: ACCEPTED_STORAGE_SOP_CLASSES,
  };
  return checkedHeader(scan, expected, ds.littleEndian);
}

/** The same facts read by dcmjs (whole-file parse) for comparison. */
function headerByDcmjs(path: string): Partial<InstanceHeader> {
  const { dataset } = parseDicom(readFileSync(path));
  const text = (tag: string): string | undefined => {
    const v = dataset[tag]?.Value;
    const s = v && v.length > 0 ? String(v[0] ?? '').trim() : '';
    return s || undefined;
  };
  const num = (tag: string): number | undefined => (dataset[tag]?.Value?.[0] as number | undefined) ?? undefined;
  const imageType = dataset['00080008']?.Value?.map((v) => String(v).trim());
  return {
    sopClassUid: text('00080016'), sopInstanceUid: text('00080018'), studyInstanceUid: text('0020000D'), seriesInstanceUid: text('0020000E'),
    modality: text('00080060'), bodyPartExamined: text('00180015'), viewPosition: text('00185101'), seriesDescription: text('0008103E'),
    rows: num('00280010'), columns: num('00280011'), ...(imageType && imageType.length > 0 ? { imageType } : {}),
  };
}

function assertSameHeader(path: string, label: string): void {
  const ds = dataSetOf(path);
  const whole = scanInChunks(ds, 1, ds.bytes.length);
  const chunked = scanInChunks(ds, 7, 97); // odd small chunks split headers everywhere
  assert.equal(chunked.bytes, ds.bytes.length, `${label}: scanned every byte`);
  assert.deepEqual(headerOf(ds, chunked), headerOf(ds, whole), `${label}: chunking changes nothing`);
  const ours = headerOf(ds, whole);
  const theirs = headerByDcmjs(path);
  for (const [key, value] of Object.entries(theirs)) {
    if (value !== undefined) assert.deepEqual(ours[key as keyof InstanceHeader], value, `${label}: ${key}`);
  }
  assert.equal(whole.hasPixelData, true, `${label}: pixel data`);
}

describe('data set scanner', () => {
  let tmp: ReturnType<typeof tempDir>;
  before(() => (tmp = tempDir('sharpxr-scan-')));
  after(() => tmp.cleanup());

  it('reads the header dcmjs reads from the committed fixture, in any chunking', () => {
    assertSameHeader(FIXTURE, 'fixture');
  });

  it('reads DCMTK rewrites: big endian, implicit VR, deflated, undefined-length sequences', { skip: !HAVE_DCMTK && 'DCMTK not installed' }, () => {
    const sources = [FIXTURE, ...(HAVE_SHARED ? [join(SHARED, 'transcoded', 'DX_CHEST_966_12bit_MONO2_EVRLE.dcm')] : [])];
    for (const [i, src] of sources.entries()) {
      for (const [flags, name] of [[['+tb', '-e'], 'BE'], [['+ti', '-e'], 'IVR'], [['+te', '-e'], 'EVR'], [['+td'], 'DEFL']] as const) {
        const out = join(tmp.dir, `${i}-${name}.dcm`);
        dcmtk('dcmconv', [...flags, src, out]);
        assertSameHeader(out, `${src} as ${name}`);
      }
    }
  });

  it('reads every shared file as dcmjs does', { skip: !HAVE_SHARED && NO_SHARED }, () => {
    for (const dir of ['chest', 'codecs-wg04', 'transcoded']) {
      for (const name of readdirSync(join(SHARED, dir)).filter((n) => n.endsWith('.dcm'))) assertSameHeader(join(SHARED, dir, name), `${dir}/${name}`);
    }
  });

  it('refuses a data set cut short anywhere before the end of the pixel data', () => {
    const ds = dataSetOf(FIXTURE);
    const pixelAt = ds.bytes.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]));
    assert.ok(pixelAt > 0);
    // In a header, in a short value, at the pixel data header, in the pixel data, one byte short.
    for (const cut of [3, 10, 131, pixelAt + 5, pixelAt + 12 + 1000, ds.bytes.length - 1]) {
      const scanner = new DataSetScanner(ds, WANTED_TAGS);
      scanner.push(ds.bytes.subarray(0, cut));
      assert.throws(() => scanner.finish(), ScanError, `cut at ${cut} of ${ds.bytes.length}`);
    }
  });

  it('refuses encapsulated pixel data cut inside a fragment or before its delimiter', { skip: !HAVE_SHARED && NO_SHARED }, () => {
    const ds = dataSetOf(join(SHARED, 'chest', 'RG1_J2KI.dcm'));
    for (const cut of [ds.bytes.length - 8, ds.bytes.length - 1, Math.floor(ds.bytes.length / 2)]) {
      const scanner = new DataSetScanner(ds, WANTED_TAGS);
      scanner.push(ds.bytes.subarray(0, cut));
      assert.throws(() => scanner.finish(), /truncated/, `cut at ${cut}`);
    }
  });

  it('tolerates junk after the pixel data (as DICOM readers do) but not before it', () => {
    const ds = dataSetOf(FIXTURE);
    const scanner = new DataSetScanner(ds, WANTED_TAGS);
    scanner.push(Buffer.concat([ds.bytes, Buffer.alloc(7)]));
    const result = scanner.finish();
    assert.equal(result.trailingJunkAt, ds.bytes.length);
    const early = new DataSetScanner(ds, WANTED_TAGS);
    const notDicom = Buffer.from([0x08, 0x00, 0x20, 0x00, 0x00, 0xff, 0x10, 0x00, 0x13, 0x37, 0x42, 0x42]);
    assert.throws(() => {
      early.push(notDicom);
      early.finish();
    }, ScanError);
  });

  it('walks a UN element of undefined length as an implicit VR sequence', () => {
    const le = (n: number, bytes: number): Buffer => {
      const b = Buffer.alloc(bytes);
      if (bytes === 2) b.writeUInt16LE(n);
      else b.writeUInt32LE(n);
      return b;
    };
    const tag = (g: number, e: number): Buffer => Buffer.concat([le(g, 2), le(e, 2)]);
    const sopInstance = Buffer.concat([tag(0x0008, 0x0018), Buffer.from('UI'), le(6, 2), Buffer.from('1.2.3\0')]);
    const inner = Buffer.concat([tag(0x0010, 0x0010), le(4, 4), Buffer.from('A^B ')]); // implicit VR inside
    const un = Buffer.concat([
      tag(0x0009, 0x1010), Buffer.from('UN'), Buffer.alloc(2), le(0xffffffff, 4),
      tag(0xfffe, 0xe000), le(0xffffffff, 4), inner, tag(0xfffe, 0xe00d), le(0, 4),
      tag(0xfffe, 0xe0dd), le(0, 4),
    ]);
    const pixels = Buffer.concat([tag(0x7fe0, 0x0010), Buffer.from('OW'), Buffer.alloc(2), le(4, 4), Buffer.alloc(4)]);
    const scanner = new DataSetScanner({ littleEndian: true, explicitVr: true }, WANTED_TAGS);
    scanner.push(Buffer.concat([sopInstance, un, pixels]));
    const result = scanner.finish();
    assert.equal(result.values.get(0x00080018)?.bytes.toString('latin1'), '1.2.3\0');
    assert.equal(result.hasPixelData, true);
    assert.equal(result.values.has(0x00100010), false, 'nested values are never kept');
  });
});
