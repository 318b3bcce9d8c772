// The dashboard: hourly received/processed/failed/dead-lettered counts, queue depth by state,
// guard trips, median stage latencies, the running model and provider, disk use, and the
// node's DICOM address.
import { z } from 'zod';
import { dashboard, type DashboardDeps } from '../../jobs/index.js';
import type { ApiRouter } from '../router.js';

export type DashboardRouteDeps = DashboardDeps;

const dashboardQuery = z.strictObject({ hours: z.coerce.number().int().min(1).max(24 * 14).default(24) });
const dashboardSchema = z.object({
  hours: z.number(),
  series: z.array(z.object({
    t: z.string().describe('start of the hour, ISO 8601 UTC'), received: z.number().describe('instances received'),
    processed: z.number().describe('primary and reprocess jobs finished exported'), failed: z.number().describe('jobs failed (awaiting a retry) by their last update'),
    dead: z.number().describe('jobs dead-lettered'), shadow: z.number().describe('shadow results kept'), guard: z.number().describe('primary jobs the guard flagged'),
  })),
  queue: z.record(z.string(), z.number()).describe('jobs by state'),
  guardTrips: z.number().describe('primary jobs the guard flagged that finished in the window'),
  stageLatencyMs: z.record(z.string(), z.number()).describe('median per stage (read, decode, infer, ..., total) over the jobs finished in the window'),
  latencySamples: z.number(),
  provider: z.string().describe('cuda | cpu (the execution provider running the model)'),
  model: z.object({ name: z.string(), version: z.string() }),
  disk: z.object({ path: z.string(), usedBytes: z.number(), freeBytes: z.number(), totalBytes: z.number() }),
  totalReceived: z.number().describe('instances ever received (0 on a new node)'),
  node: z.object({ aeTitle: z.string(), port: z.number() }).nullable().describe('the DICOM address modalities send to'),
});

export function registerDashboardRoutes(api: ApiRouter, deps: DashboardRouteDeps): void {
  api.route({
    method: 'get', path: '/dashboard', tag: 'dashboard', role: 'viewer', query: dashboardQuery, response: dashboardSchema,
    summary: 'What the node did over the last hours (default 24, at most 336)',
    handler: async ({ query }) => dashboard(deps, query.hours),
  });
}
