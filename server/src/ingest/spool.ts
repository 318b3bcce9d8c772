// The stream a C-STORE data set is received into: a temporary Part 10 file (meta header
// first, then the data set bytes as they arrive, see file-writer.ts), fsync'ed before the
// stream finishes. Every chunk also goes through the structure scanner (through an
// inflater for the deflated syntax), so at the end we know whether the data set is whole and
// what its header says without reading the file back.
//
// dcmjs-dimse writes PDV values into this stream without ever waiting for 'drain' (only the
// first write of a data set is awaited, and awaiting it can reorder later PDUs), so write()
// always answers true and real backpressure is applied by pausing the socket instead
// (`onPressure`) while more than `highWaterMark` bytes are received but not yet written.

import { open, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { createInflate, createInflateRaw, type Inflate, type InflateRaw } from 'node:zlib';
import { FileAppender, writeAll } from './file-writer.js';
import { DataSetScanner, ScanError, type ScanEncoding, type ScanResult } from './scan.js';

export interface SpoolOptions {
  readonly path: string;
  /** Preamble + DICM + group 0002, written before the data set. */
  readonly meta: Buffer;
  readonly encoding: ScanEncoding & { readonly deflated: boolean };
  readonly wantedTags: ReadonlySet<number>;
  /** Bytes received but not yet written before the socket is paused. */
  readonly highWaterMark: number;
  /** Largest inflated size accepted for a deflated data set (a deflate bomb must not run for long). */
  readonly maxInflatedBytes: number;
  readonly onPressure: (paused: boolean) => void;
}

export type SpoolResult =
  | { readonly ok: true; readonly scan: ScanResult; readonly sizeBytes: number }
  | { readonly ok: false; readonly reason: string; readonly sizeBytes: number };

export class InstanceSpool extends Writable {
  /** Settles once the file is fsync'ed, with a verdict; rejects on an I/O error or an early close. */
  readonly result: Promise<SpoolResult>;
  private handle: FileHandle | null = null;
  private readonly scanner: DataSetScanner;
  private inflater: Inflate | InflateRaw | null = null;
  private invalid: string | null = null;
  private sizeBytes = 0;
  private inflatedBytes = 0;
  private paused = false;
  private appender: FileAppender | null = null;

  constructor(private readonly options: SpoolOptions) {
    super({ highWaterMark: options.highWaterMark, decodeStrings: false });
    this.scanner = new DataSetScanner(options.encoding, options.wantedTags);
    this.result = new Promise<SpoolResult>((resolve, reject) => {
      this.once('finish', () => resolve(this.verdict()));
      this.once('error', reject);
      this.once('close', () => reject(new Error('data set stream closed before it was complete')));
    });
    this.result.catch(() => undefined); // awaited by the C-STORE handler, if the data set ever completes
    this.on('drain', () => this.updatePressure());
  }

  // Always true: see the file comment. Pressure pauses the socket instead.
  override write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    // After an I/O error the rest of the data set is dropped, and the socket must keep flowing.
    if (this.destroyed) return true;
    (super.write as (...args: unknown[]) => boolean)(chunk, encoding, callback);
    this.updatePressure();
    return true;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    open(this.options.path, 'wx')
      .then(async (handle) => {
        this.handle = handle;
        await writeAll(handle, [this.options.meta], 0);
        this.sizeBytes = this.options.meta.length;
        this.appender = new FileAppender(handle, this.options.meta.length, () => this.updatePressure());
      })
      .then(() => callback(), callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    const buffers = chunks.map((c) => c.chunk);
    for (const b of buffers) this.scan(b);
    this.sizeBytes += buffers.reduce((sum, b) => sum + b.length, 0);
    // A data set already known to be broken is not worth the disk: the file will be deleted.
    if (this.invalid) return callback();
    if (this.appender!.error) return callback(this.appender!.error);
    this.appender!.append(buffers);
    callback(); // written in the background; pressure (see updatePressure) bounds what waits
    this.updatePressure();
  }

  override _final(callback: (error?: Error | null) => void): void {
    // The handle is closed by _destroy, after 'finish': the rename need not wait for it.
    Promise.all([this.endInflater(), this.appender!.flush()])
      .then(() => (this.invalid ? undefined : this.handle!.sync()))
      .then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.setPaused(false);
    this.inflater?.destroy();
    this.closeHandle().then(
      () => callback(error),
      () => callback(error),
    );
  }

  private verdict(): SpoolResult {
    if (this.invalid) return { ok: false, reason: this.invalid, sizeBytes: this.sizeBytes };
    try {
      return { ok: true, scan: this.scanner.finish(), sizeBytes: this.sizeBytes };
    } catch (err) {
      return { ok: false, reason: (err as Error).message, sizeBytes: this.sizeBytes };
    }
  }

  private scan(chunk: Buffer): void {
    if (this.invalid) return;
    if (!this.options.encoding.deflated) {
      this.pushToScanner(chunk);
      return;
    }
    this.inflater ??= this.startInflater(chunk);
    this.inflater.write(chunk);
  }

  private pushToScanner(chunk: Buffer): void {
    if (this.invalid) return;
    try {
      this.scanner.push(chunk);
    } catch (err) {
      if (!(err instanceof ScanError)) throw err;
      this.invalid = err.message;
    }
  }

  /** Raw deflate as the standard says; a zlib header (0x78 ..) as some writers add, too. */
  private startInflater(first: Buffer): Inflate | InflateRaw {
    const zlibHeader = first.length >= 2 && first[0] === 0x78 && ((first[0] << 8) | first[1]!) % 31 === 0;
    const inflater = zlibHeader ? createInflate() : createInflateRaw();
    inflater.on('data', (out: Buffer) => {
      this.inflatedBytes += out.length;
      if (this.inflatedBytes > this.options.maxInflatedBytes) {
        this.invalid ??= `deflated data set inflates to more than ${this.options.maxInflatedBytes} bytes`;
        inflater.destroy();
        return;
      }
      this.pushToScanner(out);
    });
    inflater.on('error', (err) => {
      this.invalid ??= `deflated data set cannot be inflated: ${err.message}`;
    });
    return inflater;
  }

  private endInflater(): Promise<void> {
    const inflater = this.inflater;
    if (!inflater || inflater.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      inflater.once('end', resolve);
      inflater.once('close', resolve);
      inflater.once('error', () => resolve());
      inflater.end();
    });
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close();
  }

  /** Bytes received but not yet on disk: pause above the budget, resume below half of it. */
  private updatePressure(): void {
    const pending = (this.appender?.pendingBytes ?? 0) + this.writableLength;
    if (pending > this.options.highWaterMark) this.setPaused(true);
    else if (pending <= this.options.highWaterMark / 2) this.setPaused(false);
  }

  private setPaused(paused: boolean): void {
    if (this.paused === paused || (paused && this.destroyed)) return;
    this.paused = paused;
    this.options.onPressure(paused);
  }
}
