// Helpers for the derive tests: dciodvfy (dicom3tools) with complaint matching between a
// source and its derived object, a parser of DCMTK's dcmdump output into a tree, and the
// "pixels + 1" the tests write. Real tools only: the checks are dicom3tools' and DCMTK's.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRIVATE_TAGS, SHARPXR_PRIVATE_CREATOR } from '../../server/src/derive/index.js';
import type { StoredPixels } from '../../server/src/pipeline/decode/index.js';

export function haveTool(tool: string): boolean {
  return !spawnSync(tool, ['-version'], { stdio: 'ignore' }).error;
}

export const NO_DCIODVFY =
  'dciodvfy not found: install the Debian package dicom3tools (bash scripts/install-system.sh does)';

/** dciodvfy's "Error ..." lines for a file (it reports on stderr; Latin-1 keeps bytes readable). */
export function dciodvfyErrors(path: string): string[] {
  const run = spawnSync('dciodvfy', [path], { encoding: 'latin1' });
  if (run.error) throw new Error(`${NO_DCIODVFY} (${run.error.message})`);
  return `${run.stdout}\n${run.stderr}`
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.startsWith('Error'));
}

const TAG_AND_NAME = /\(0x[0-9a-f]{4},0x[0-9a-f]{4}\).*$/i;

/**
 * What a complaint is about, independent of where it is: the message, the offending value and
 * the reason, without the tag and attribute name. So an invalid source UID that the derived
 * object must quote in its references (SourceImageSequence, ReferencedSeriesSequence) matches
 * the source's own complaint about that UID; a complaint without a value must match exactly.
 */
export function complaintKey(line: string): string {
  const value = /<([^>]*)>|"([^"]*)"/.exec(line);
  if (!value) return line.trim();
  const head = line.slice(0, value.index).replace(TAG_AND_NAME, '').trim();
  const reason = line.slice(value.index + value[0].length).replace(TAG_AND_NAME, '').trim();
  return `${head} | ${value[1] ?? value[2]} | ${reason}`;
}

/** Split the derived object's errors into those the source already has and our own. */
export function compareComplaints(source: readonly string[], derived: readonly string[]): { inherited: string[]; ours: string[] } {
  const known = new Set(source.map(complaintKey));
  const inherited = [...new Set(derived.filter((l) => known.has(complaintKey(l))))];
  const ours = [...new Set(derived.filter((l) => !known.has(complaintKey(l))))];
  return { inherited, ours };
}

export interface DumpElement {
  tag: string; // "0008,2112"
  vr: string;
  value: string; // text without brackets; '' for no value
  items: DumpElement[][];
}

// The name after the lengths is one word, or "Unknown Tag & Data" for a private element.
const LINE = /^( *)\(([0-9a-f]{4},[0-9a-f]{4})\) (\S\S) (.*?)\s+#\s*\d+,\s*\d+\s+\S.*$/;

/** dcmdump's view of a file as a tree: File Meta Information and data set. */
export function dcmdumpTree(path: string): { meta: DumpElement[]; data: DumpElement[] } {
  const out = execFileSync('dcmdump', ['-q', '-M', '+L', '-Un', path], { encoding: 'latin1' });
  const meta: DumpElement[] = [];
  const data: DumpElement[] = [];
  let stack: { indent: number; list: DumpElement[] }[] = [{ indent: 0, list: meta }];
  for (const line of out.split('\n')) {
    if (line.startsWith('# Dicom-Data-Set')) {
      stack = [{ indent: 0, list: data }];
      continue;
    }
    const m = LINE.exec(line);
    if (!m) continue;
    const [, spaces, tag, vr, rawValue] = m;
    const indent = spaces!.length;
    if (tag === 'fffe,e00d' || tag === 'fffe,e0dd') continue;
    if (tag === 'fffe,e000') {
      // An item belongs to the sequence last added to the container two columns to its left.
      while (stack.length > 1 && stack[stack.length - 1]!.indent > indent - 2) stack.pop();
      const frame = stack[stack.length - 1]!;
      const sq = frame.list[frame.list.length - 1];
      if (!sq || sq.vr !== 'SQ') throw new Error(`dcmdump: item without a sequence in ${path}`);
      const list: DumpElement[] = [];
      sq.items.push(list);
      stack.push({ indent: indent + 2, list });
      continue;
    }
    while (stack.length > 1 && stack[stack.length - 1]!.indent > indent) stack.pop();
    const value = rawValue === '(no value available)' ? '' : rawValue!.replace(/^\[(.*)\]$/, '$1');
    const el: DumpElement = { tag: tag!, vr: vr!, value, items: [] };
    stack[stack.length - 1]!.list.push(el);
  }
  return { meta, data };
}

/** Element at a path of tags ("0008,2112", 0 for the first item, "0040,a170", ...). */
export function at(list: readonly DumpElement[], ...path: (string | number)[]): DumpElement | undefined {
  let current: readonly DumpElement[] = list;
  let found: DumpElement | undefined;
  for (let i = 0; i < path.length; i++) {
    const step = path[i]!;
    if (typeof step === 'number') {
      if (!found) return undefined;
      current = found.items[step] ?? [];
      continue;
    }
    found = current.find((e) => e.tag === step.toLowerCase());
    if (!found) return undefined;
  }
  return found;
}

/** Stored values + 1, clamped to the Bits Stored range: pixels that differ from the source. */
export function bumped(pixels: StoredPixels, bitsStored: number, signed: boolean): StoredPixels {
  const max = signed ? 2 ** (bitsStored - 1) - 1 : 2 ** bitsStored - 1;
  const out = pixels.slice();
  for (let i = 0; i < out.length; i++) out[i] = Math.min(max, out[i]! + 1);
  return out;
}

/**
 * DCMTK's environment with SharpXR's private block (PRIVATE_TAGS) added to its dictionaries,
 * written in DCMTK's private.dic format into `dir`. A tool that meets the block in implicit VR
 * can then give its elements their VRs back, as a PACS engineer would by loading the rows.
 */
export function dcmtkEnvWithPrivateDictionary(dir: string): NodeJS.ProcessEnv {
  const share = readdirSync('/usr/share').filter((d) => d.startsWith('libdcmtk')).map((d) => join('/usr/share', d));
  const own = share.flatMap((d) => ['dicom.dic', 'private.dic'].map((f) => join(d, f))).filter((f) => existsSync(f));
  const rows = PRIVATE_TAGS.filter((r) => r.tag.slice(4, 6) === '10').map((r) =>
    `(${r.tag.slice(0, 4)},"${SHARPXR_PRIVATE_CREATOR}",${r.tag.slice(6)})\t${r.vr}\t${r.keyword}\t1\tPrivateTag`);
  const file = join(dir, 'sharpxr.dic');
  writeFileSync(file, `${rows.join('\n')}\n`);
  return { ...process.env, DCMDICTPATH: [...own, file].join(':') };
}
