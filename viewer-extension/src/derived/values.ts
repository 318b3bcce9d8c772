// Reading naturalized DICOM values the way OHIF's metadata store holds them: a single value may
// be a scalar or a one-element array, a sequence an array of objects (or one object), and a
// private element keeps its tag ("00711001") as its key.

export type Dataset = Record<string, unknown>;

export function values(v: unknown): unknown[] {
  if (v === undefined || v === null || v === '') return [];
  return Array.isArray(v) ? v : [v];
}

export function text(v: unknown): string | undefined {
  const first = values(v)[0];
  if (first === undefined || first === null) return undefined;
  const s = String(first).trim();
  return s === '' ? undefined : s;
}

export function texts(v: unknown): string[] {
  // A multi-valued CS may also arrive as one backslash-joined string.
  return values(v).flatMap((x) => String(x).split('\\')).map((s) => s.trim()).filter((s) => s !== '');
}

export function number(v: unknown): number | undefined {
  const first = values(v)[0];
  const n = typeof first === 'number' ? first : typeof first === 'string' ? Number(first) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

export function items(v: unknown): Dataset[] {
  return values(v).filter((x): x is Dataset => typeof x === 'object' && x !== null);
}

/** A private element by group, creator and element offset (e.g. 0x0071, 'SHARPXR 1', 0x01). */
export function privateValue(ds: Dataset, group: number, creator: string, offset: number): unknown {
  const g = group.toString(16).toUpperCase().padStart(4, '0');
  for (let block = 0x10; block <= 0xff; block++) {
    const creatorTag = `${g}00${block.toString(16).toUpperCase().padStart(2, '0')}`;
    const found = text(ds[creatorTag] ?? ds[creatorTag.toLowerCase()]);
    if (found === undefined) continue;
    if (found !== creator) continue;
    const tag = `${g}${block.toString(16).toUpperCase().padStart(2, '0')}${offset.toString(16).toUpperCase().padStart(2, '0')}`;
    return ds[tag] ?? ds[tag.toLowerCase()];
  }
  return undefined;
}
