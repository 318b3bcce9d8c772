// Counts a connection's operations in flight (a C-STORE from its first data set byte to its
// response), so that a release or a shutdown can wait for them to finish.

export class OperationGate {
  private inFlight = 0;
  private waiters: Array<() => void> = [];

  get count(): number {
    return this.inFlight;
  }

  begin(): void {
    this.inFlight++;
  }

  end(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0) this.wake();
  }

  /** Resolves when nothing is in flight, or after `timeoutMs` (Infinity: no limit). */
  idle(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      this.waiters.push(done);
      if (Number.isFinite(timeoutMs)) timer = setTimeout(done, timeoutMs);
    });
  }

  /** The connection is gone: nobody is waiting for anything any more. */
  abandon(): void {
    this.inFlight = 0;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
