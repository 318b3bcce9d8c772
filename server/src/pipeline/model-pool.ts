// One PipelineWorker (a child process holding one model) per model file, started on first use
// and kept for the next job: a promotion takes effect at the next job without a restart, and
// shadow jobs run their own model beside the active one. At most `maxAlive` children stay
// alive (each holds its model and, while it runs, hundreds of MB of activations); the least
// recently used idle one is closed to make room. A worker in use is never closed under its
// task: the pool then runs one over the limit until that task ends.
import type { PipelineWorker } from './pipeline-worker.js';

export interface ModelPoolOptions {
  /** Starts the worker of a model file (main.ts passes the node's runner and guard options). */
  readonly start: (modelPath: string) => Promise<PipelineWorker>;
  /** Children kept alive at once (default 2: the active model and the shadow). */
  readonly maxAlive?: number;
  /** A worker was started or closed (for the log). */
  readonly onChange?: (event: 'started' | 'closed', modelPath: string) => void;
}

interface Entry {
  readonly path: string;
  worker: Promise<PipelineWorker>;
  /** Set once the worker has started. */
  resolved?: PipelineWorker;
  busy: number;
}

export class ModelPool {
  /** Map order is use order: the first entry is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  private readonly maxAlive: number;
  private closed = false;

  constructor(private readonly options: ModelPoolOptions) {
    this.maxAlive = Math.max(1, options.maxAlive ?? 2);
  }

  /** Runs `fn` with the model's worker; the worker is not closed while `fn` runs. */
  async use<T>(modelPath: string, fn: (worker: PipelineWorker) => Promise<T>): Promise<T> {
    const entry = this.acquire(modelPath);
    try {
      return await fn(await entry.worker);
    } finally {
      entry.busy--;
      if (this.entries.get(modelPath) === entry) {
        this.entries.delete(modelPath); // used last: the last to be closed
        this.entries.set(modelPath, entry);
      }
      this.trim();
    }
  }

  /** Starts (or finds) the model's worker now: the node warms up its active model before it takes images. */
  async warm(modelPath: string): Promise<PipelineWorker> {
    return this.use(modelPath, async (w) => w);
  }

  /** Model files with a live (or starting) worker, least recently used first. */
  alive(): string[] {
    return [...this.entries.keys()];
  }

  async close(): Promise<void> {
    this.closed = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((e) => this.closeEntry(e)));
  }

  private acquire(modelPath: string): Entry {
    if (this.closed) throw new Error('the model pool is closed');
    let entry = this.entries.get(modelPath);
    if (entry && entry.busy === 0 && entry.resolved?.stats().broken !== undefined) {
      this.entries.delete(modelPath);
      void this.closeEntry(entry);
      entry = undefined;
    }
    if (entry) {
      this.entries.delete(modelPath); // re-inserted below: now the most recently used
    } else {
      const fresh: Omit<Entry, 'worker'> & { worker?: Promise<PipelineWorker> } = { path: modelPath, busy: 0 };
      fresh.worker = this.startWorker(fresh as Entry);
      entry = fresh as Entry;
    }
    this.entries.set(modelPath, entry);
    entry.busy++;
    this.trim();
    return entry;
  }

  private startWorker(entry: Entry): Promise<PipelineWorker> {
    const started = this.options.start(entry.path).then((w) => {
      entry.resolved = w;
      this.options.onChange?.('started', entry.path);
      return w;
    });
    // A model that does not load is not cached: the next job tries again (and fails on its own).
    started.catch(() => {
      if (this.entries.get(entry.path) === entry) this.entries.delete(entry.path);
    });
    return started;
  }

  /** Closes idle workers, least recently used first, until at most maxAlive are left. */
  private trim(): void {
    for (const entry of [...this.entries.values()]) {
      const broken = entry.resolved?.stats().broken !== undefined;
      if (this.entries.size <= this.maxAlive && !broken) continue;
      if (entry.busy > 0) continue;
      this.entries.delete(entry.path);
      void this.closeEntry(entry);
    }
  }

  private async closeEntry(entry: Entry): Promise<void> {
    const worker = await entry.worker.catch(() => undefined);
    if (!worker) return;
    await worker.close().catch(() => {});
    this.options.onChange?.('closed', entry.path);
  }
}
