// GET /api/dashboard (server/src/api/routes/dashboard.ts documents each field).
export interface HourPoint {
  readonly t: string;
  readonly received: number;
  readonly processed: number;
  readonly failed: number;
  readonly dead: number;
  readonly shadow: number;
  readonly guard: number;
}

export interface Dashboard {
  readonly hours: number;
  readonly series: HourPoint[];
  readonly queue: Record<string, number>;
  readonly guardTrips: number;
  readonly stageLatencyMs: Record<string, number>;
  readonly latencySamples: number;
  readonly provider: string;
  readonly model: { readonly name: string; readonly version: string };
  readonly disk: { readonly path: string; readonly usedBytes: number; readonly freeBytes: number; readonly totalBytes: number };
  readonly totalReceived: number;
  readonly node: { readonly aeTitle: string; readonly port: number } | null;
}
