// Incremental structure scan of a data set while it streams to disk.
//
// The listener must answer a C-STORE only for a data set that is whole and understood, but it
// must not hold the instance in memory nor read it back. So every received chunk is pushed
// through this scanner: it walks the element structure (tags, VRs, lengths, sequences, items,
// encapsulated fragments), skips values by their length, and keeps only the small top-level
// values the header needs. A data set cut short ends inside a value or a sequence and is
// refused; pixels are never decoded. It costs a few operations per element, not per byte.

import { LONG_VRS, SHORT_VRS } from '../pipeline/decode/vrs.js';

export interface ScanEncoding {
  readonly littleEndian: boolean;
  readonly explicitVr: boolean;
}

/** A top-level value kept for the header: its VR (null in implicit VR) and raw bytes. */
export interface ScannedValue {
  readonly vr: string | null;
  readonly bytes: Buffer;
}

export interface ScanResult {
  /** Captured top-level values, keyed by tag as a number (group << 16 | element). */
  readonly values: ReadonlyMap<number, ScannedValue>;
  readonly hasPixelData: boolean;
  /** The top-level Pixel Data has undefined length (fragments), as encapsulated syntaxes require. */
  readonly pixelDataEncapsulated: boolean;
  /** Data set bytes scanned (inflated bytes for a deflated syntax). */
  readonly bytes: number;
  /** Offset of bytes after the pixel data that were not elements (tolerated, like readers do). */
  readonly trailingJunkAt?: number;
}

export class ScanError extends Error {
  override name = 'ScanError';
}

const PIXEL_DATA = 0x7fe00010;
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQUENCE_END = 0xfffee0dd;
const UNDEFINED = 0xffffffff;
/** Values longer than this are never needed for the header (UIDs are 64 bytes at most). */
const MAX_CAPTURE = 1024;
const IMPLICIT_LE: ScanEncoding = { littleEndian: true, explicitVr: false };
/** No header bytes carried over (shared: reset after every element header, never written to). */
const NO_CARRY = Buffer.alloc(0);

/** What is being read: elements of a data set or item, items of a sequence, or pixel fragments. */
type Frame =
  | { readonly kind: 'dataset'; readonly enc: ScanEncoding; readonly top: boolean }
  | { readonly kind: 'sequence'; readonly enc: ScanEncoding }
  | { readonly kind: 'fragments'; readonly enc: ScanEncoding };

interface Header {
  readonly tag: number;
  readonly vr: string | null;
  readonly length: number;
  readonly size: number;
}

interface Capture {
  readonly tag: number;
  readonly vr: string | null;
  readonly parts: Buffer[];
}

export class DataSetScanner {
  private readonly stack: Frame[];
  private carry: Buffer = NO_CARRY;
  private skip = 0;
  private capture: Capture | null = null;
  private offset = 0;
  private pixelDataDone = false;
  private pixelDataSeen = false;
  private pixelDataEncapsulated = false;
  private junkAt: number | undefined;
  private readonly values = new Map<number, ScannedValue>();

  /** `wanted`: the top-level tags whose values to keep. */
  constructor(
    encoding: ScanEncoding,
    private readonly wanted: ReadonlySet<number>,
  ) {
    this.stack = [{ kind: 'dataset', enc: encoding, top: true }];
  }

  /** Scan the next bytes of the data set. Throws ScanError on a structure no reader accepts. */
  push(chunk: Buffer): void {
    let p = 0;
    while (p < chunk.length && this.junkAt === undefined) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - p);
        if (this.capture) this.capture.parts.push(Buffer.from(chunk.subarray(p, p + n)));
        this.skip -= n;
        this.offset += n;
        p += n;
        if (this.skip === 0) this.endValue();
        continue;
      }
      p = this.readNextHeader(chunk, p);
    }
  }

  /** The data set is complete: check that it ended between top-level elements. */
  finish(): ScanResult {
    const ended = this.junkAt === undefined && this.skip === 0 && this.carry.length === 0 && this.stack.length === 1;
    if (!ended && this.pixelDataDone && this.junkAt === undefined) this.junkAt = this.offset - this.carry.length;
    if (!ended && this.junkAt === undefined) {
      const where = this.skip > 0 ? `inside a value (${this.skip} bytes missing)` : `inside ${this.describeOpen()}`;
      throw new ScanError(`data set is truncated: it ends ${where} after ${this.offset} bytes`);
    }
    if (this.offset === 0) throw new ScanError('data set is empty');
    return {
      values: this.values,
      hasPixelData: this.pixelDataSeen,
      pixelDataEncapsulated: this.pixelDataEncapsulated,
      bytes: this.offset,
      ...(this.junkAt !== undefined ? { trailingJunkAt: this.junkAt } : {}),
    };
  }

  private describeOpen(): string {
    if (this.carry.length > 0) return `an element header (${this.carry.length} bytes of it)`;
    const open = this.stack[this.stack.length - 1]!;
    return open.kind === 'fragments' ? 'encapsulated pixel data' : open.kind === 'sequence' ? 'a sequence' : 'an item';
  }

  /** Read one header (joining bytes carried over from the previous chunk); returns the new position. */
  private readNextHeader(chunk: Buffer, p: number): number {
    const carried = this.carry.length;
    const view = carried > 0 ? Buffer.concat([this.carry, chunk.subarray(p, p + 12 - carried)]) : chunk.subarray(p, p + 12);
    let header: Header | null;
    try {
      header = this.parseHeader(view);
    } catch (err) {
      if (!this.pixelDataDone || this.stack.length > 1) throw err;
      this.junkAt = this.offset - carried; // junk after the pixel data: stop reading, keep what we have
      return chunk.length;
    }
    if (!header) {
      this.carry = Buffer.from(view);
      this.offset += view.length - carried;
      return chunk.length;
    }
    this.carry = NO_CARRY;
    this.offset += header.size - carried;
    this.onHeader(header);
    return p + header.size - carried;
  }

  /** The header at the start of `b`, or null if `b` is too short to hold it. */
  private parseHeader(b: Buffer): Header | null {
    if (b.length < 8) return null;
    const frame = this.stack[this.stack.length - 1]!;
    const le = frame.enc.littleEndian;
    const u16 = (at: number): number => (le ? b.readUInt16LE(at) : b.readUInt16BE(at));
    const u32 = (at: number): number => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
    const tag = ((u16(0) << 16) | u16(2)) >>> 0;
    // Items and delimiters have no VR in any encoding.
    if (frame.kind !== 'dataset' || tag >>> 16 === 0xfffe || !frame.enc.explicitVr) {
      return { tag, vr: null, length: u32(4), size: 8 };
    }
    const vr = b.toString('latin1', 4, 6);
    if (SHORT_VRS.has(vr)) return { tag, vr, length: u16(6), size: 8 };
    // Unknown VRs of two capital letters are future VRs, which have the long form (PS3.5 7.1.2).
    if (!LONG_VRS.has(vr) && !/^[A-Z]{2}$/.test(vr)) {
      throw new ScanError(`invalid VR "${escape(vr)}" for ${tagString(tag)} at byte ${this.offset - this.carry.length}`);
    }
    if (b.length < 12) return null;
    return { tag, vr, length: u32(8), size: 12 };
  }

  private onHeader(h: Header): void {
    const frame = this.stack[this.stack.length - 1]!;
    if (frame.kind === 'dataset') this.onElement(frame, h);
    else this.onItem(frame, h);
  }

  private onElement(frame: Extract<Frame, { kind: 'dataset' }>, h: Header): void {
    if (h.tag === ITEM_END && !frame.top) {
      this.stack.pop();
      return;
    }
    if (h.tag >>> 16 === 0xfffe) throw this.misplaced(h, 'in a data set');
    if (frame.top && h.tag === PIXEL_DATA) this.pixelDataSeen = true;
    if (h.length === UNDEFINED) {
      this.openUndefinedLength(frame, h);
      return;
    }
    if (frame.top && this.wanted.has(h.tag) && h.length <= MAX_CAPTURE) this.capture = { tag: h.tag, vr: h.vr, parts: [] };
    this.skip = h.length;
    if (this.skip === 0) this.endValue();
  }

  /** An undefined-length value: a sequence, or encapsulated pixel data. */
  private openUndefinedLength(frame: Extract<Frame, { kind: 'dataset' }>, h: Header): void {
    const { enc } = frame;
    if (h.tag === PIXEL_DATA && enc.explicitVr && (h.vr === 'OB' || h.vr === 'OW')) {
      if (frame.top) this.pixelDataEncapsulated = true;
      this.stack.push({ kind: 'fragments', enc });
    } else if (h.vr === 'SQ' || h.vr === null) {
      this.stack.push({ kind: 'sequence', enc });
    } else if (h.vr === 'UN') {
      // A UN of undefined length is a sequence encoded in implicit VR little endian (PS3.5 6.2.2).
      this.stack.push({ kind: 'sequence', enc: IMPLICIT_LE });
    } else {
      throw new ScanError(`${tagString(h.tag)} (${h.vr}) has an undefined length at byte ${this.offset - h.size}`);
    }
  }

  private onItem(frame: Extract<Frame, { kind: 'sequence' | 'fragments' }>, h: Header): void {
    if (h.tag === SEQUENCE_END) {
      this.stack.pop();
      if (frame.kind === 'fragments' && this.stack.length === 1) this.pixelDataDone = true;
      return;
    }
    if (h.tag !== ITEM) throw this.misplaced(h, frame.kind === 'fragments' ? 'in encapsulated pixel data' : 'in a sequence');
    if (h.length !== UNDEFINED) {
      this.skip = h.length;
    } else if (frame.kind === 'sequence') {
      this.stack.push({ kind: 'dataset', enc: frame.enc, top: false });
    } else {
      throw new ScanError(`pixel data fragment of undefined length at byte ${this.offset - h.size}`);
    }
  }

  private endValue(): void {
    const c = this.capture;
    if (c) this.values.set(c.tag, { vr: c.vr, bytes: Buffer.concat(c.parts) });
    this.capture = null;
    const frame = this.stack[this.stack.length - 1]!;
    if (frame.kind === 'dataset' && frame.top && this.pixelDataSeen && !this.pixelDataDone) this.pixelDataDone = true;
  }

  private misplaced(h: Header, where: string): ScanError {
    return new ScanError(`unexpected ${tagString(h.tag)} ${where} at byte ${this.offset - h.size}`);
  }
}

function tagString(tag: number): string {
  const hex = tag.toString(16).toUpperCase().padStart(8, '0');
  return `(${hex.slice(0, 4)},${hex.slice(4)})`;
}

function escape(s: string): string {
  return [...s].map((c) => (c >= ' ' && c <= '~' ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)).join('');
}
