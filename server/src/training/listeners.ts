// Who watches which run (the SSE streams): each gets at most one call per THROTTLE_MS however
// fast the trainer prints, and every stream is ended when the node stops.
const THROTTLE_MS = 250;

export class RunListeners {
  private readonly byRun = new Map<string, Set<() => void>>();
  private readonly closeHooks = new Set<() => void>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  /** Calls `onChange` (throttled) whenever run `id` changes; `onClose` when the node stops. */
  subscribe(id: string, onChange: () => void, onClose: () => void): () => void {
    const set = this.byRun.get(id) ?? new Set();
    set.add(onChange);
    this.byRun.set(id, set);
    this.closeHooks.add(onClose);
    return () => {
      set.delete(onChange);
      if (set.size === 0) this.byRun.delete(id);
      this.closeHooks.delete(onClose);
    };
  }

  notify(id: string): void {
    if (this.timers.has(id)) return;
    this.timers.set(id, setTimeout(() => {
      this.timers.delete(id);
      for (const fn of this.byRun.get(id) ?? []) fn();
    }, THROTTLE_MS));
  }

  close(): void {
    for (const hook of [...this.closeHooks]) hook();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
