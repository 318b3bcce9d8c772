// Appends buffers to an open file with positional vectored writes, keeping up to `depth`
// writes queued in libuv's thread pool: when one completes the next is already waiting, so
// the file keeps pace with the network and little is left to write when the data set ends.
// Buffers that arrive while the pipeline is full are batched into the next write.

import type { FileHandle } from 'node:fs/promises';

export class FileAppender {
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private inFlightBytes = 0;
  private writes = 0;
  private failure: Error | null = null;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly handle: FileHandle,
    private position: number,
    private readonly onProgress: () => void,
    private readonly depth = 2,
  ) {}

  /** Bytes accepted but not yet written. */
  get pendingBytes(): number {
    return this.queuedBytes + this.inFlightBytes;
  }

  /** The first write error, if any (later appends are dropped). */
  get error(): Error | null {
    return this.failure;
  }

  append(buffers: readonly Buffer[]): void {
    if (this.failure) return;
    for (const b of buffers) {
      if (b.length === 0) continue;
      this.queue.push(b);
      this.queuedBytes += b.length;
    }
    this.pump();
  }

  /** Resolves when everything appended is written; rejects with the first write error. */
  async flush(): Promise<void> {
    if (this.writes > 0 || this.queue.length > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    if (this.failure) throw this.failure;
  }

  private pump(): void {
    while (this.writes < this.depth && this.queue.length > 0 && !this.failure) {
      const batch = this.queue;
      const bytes = this.queuedBytes;
      this.queue = [];
      this.queuedBytes = 0;
      this.inFlightBytes += bytes;
      this.writes++;
      const at = this.position;
      this.position += bytes;
      writeAll(this.handle, batch, at).then(
        () => this.settle(bytes),
        (err: Error) => {
          this.failure ??= err;
          this.settle(bytes);
        },
      );
    }
  }

  private settle(bytes: number): void {
    this.writes--;
    this.inFlightBytes -= bytes;
    if (this.failure) {
      this.queue = [];
      this.queuedBytes = 0;
    }
    this.pump();
    this.onProgress();
    if (this.writes === 0 && this.queue.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}

/** Vectored write of every byte at `position` (writev may write part of what it is given). */
export async function writeAll(handle: FileHandle, buffers: readonly Buffer[], position: number): Promise<void> {
  let pending = buffers.filter((b) => b.length > 0);
  let at = position;
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending, at);
    if (bytesWritten <= 0) throw new Error('writev wrote nothing');
    at += bytesWritten;
    pending = dropBytes(pending, bytesWritten);
  }
}

function dropBytes(buffers: readonly Buffer[], count: number): Buffer[] {
  let left = count;
  const out: Buffer[] = [];
  for (const b of buffers) {
    if (left >= b.length) {
      left -= b.length;
      continue;
    }
    out.push(left > 0 ? b.subarray(left) : b);
    left = 0;
  }
  return out;
}
