// The running run's row is written at once for what matters (a new stage, the trainer's pid)
// and at most every `everyMs` for step progress: the trainer prints a line per few steps, and a
// database write per line would cost a 2-core node more than the line is worth. Writes are
// chained, so they land in order and `settled()` waits for all of them.
export type RowWrite = () => Promise<unknown>;

export class RowSaver {
  private pending: Promise<unknown> = Promise.resolve();
  private last = 0;
  private timer: NodeJS.Timeout | null = null;

  /** `snapshot` returns a write of the row as it is now, or null when there is nothing to save. */
  constructor(
    private readonly snapshot: () => RowWrite | null,
    private readonly onError: (err: Error) => void,
    private readonly everyMs = 2000,
  ) {}

  save(important: boolean): void {
    if (!important && Date.now() - this.last < this.everyMs) {
      this.timer ??= setTimeout(() => { this.timer = null; this.save(true); }, this.everyMs);
      return;
    }
    const write = this.snapshot();
    if (!write) return;
    this.last = Date.now();
    this.pending = this.pending.then(write).catch(this.onError);
  }

  /** Drops a deferred write (the caller writes the final row itself) and waits for the rest. */
  async settled(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.pending;
  }
}
