// Prometheus metrics of the node (GET /metrics). One registry per node so tests can run
// several nodes in one process without their counters mixing.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const STAGES = ['receive', 'read', 'decode', 'normalize', 'infer', 'guard', 'denormalize', 'encode', 'export', 'total'] as const;

export class NodeMetrics {
  readonly registry = new Registry();
  readonly received = new Counter({ name: 'sharpxr_instances_received_total', help: 'C-STORE requests answered, by outcome (queued, duplicate, skipped, failed)', labelNames: ['outcome'], registers: [this.registry] });
  readonly processed = new Counter({ name: 'sharpxr_jobs_processed_total', help: 'Jobs that ended exported (or held by the guard policy)', labelNames: ['result'], registers: [this.registry] });
  readonly failed = new Counter({ name: 'sharpxr_jobs_failed_total', help: 'Job attempts that failed (retried later or dead-lettered)', labelNames: ['stage'], registers: [this.registry] });
  readonly deadLettered = new Counter({ name: 'sharpxr_jobs_dead_lettered_total', help: 'Jobs moved to dead-letter', registers: [this.registry] });
  readonly guardTrips = new Counter({ name: 'sharpxr_guard_trips_total', help: 'Images flagged by the fidelity guard', labelNames: ['policy'], registers: [this.registry] });
  readonly exported = new Counter({ name: 'sharpxr_exports_total', help: 'C-STORE of derived objects to destinations, by outcome', labelNames: ['destination', 'outcome'], registers: [this.registry] });
  readonly stageSeconds = new Histogram({ name: 'sharpxr_stage_seconds', help: 'Time per pipeline stage', labelNames: ['stage'], buckets: [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32], registers: [this.registry] });
  readonly provider = new Gauge({ name: 'sharpxr_execution_provider', help: 'The onnxruntime execution provider that runs the model (1 = in use)', labelNames: ['provider', 'model'], registers: [this.registry] });
  readonly queueDepth = new Gauge({ name: 'sharpxr_jobs', help: 'Jobs by state', labelNames: ['state'], registers: [this.registry] });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'sharpxr_' });
  }

  observeStages(timingsMs: Readonly<Record<string, number>>): void {
    for (const [stage, ms] of Object.entries(timingsMs)) {
      const name = stage.replace(/Ms$/, '');
      if ((STAGES as readonly string[]).includes(name)) this.stageSeconds.observe({ stage: name }, ms / 1000);
    }
  }
}
