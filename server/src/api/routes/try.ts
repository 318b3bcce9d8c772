// Try it over HTTP. The console's page denoises in the browser and needs from the node only the
// model (its parameters and its ONNX bytes); these routes are its fallback and the API for
// automation: decode a file the browser cannot (compressed DICOM), or run the node's pipeline on
// an upload and get the result at full precision, as a PNG, or as the derived DICOM object a job
// would write. Nothing is stored; every upload is audited (a DICOM carries patient data), with
// its size and kind but no identifier from it.
import { z } from 'zod';
import { encodePng } from '../../imaging/index.js';
import { HttpError } from '../../http/errors.js';
import { label } from '../../registry/index.js';
import { CONTAINER_TYPE, encodeContainer, type NumericArray } from '../../try/container.js';
import type { TryInput } from '../../try/decode-input.js';
import { pngGray } from '../../try/steps.js';
import type { TryRun, TryService } from '../../try/service.js';
import type { AuditFn } from '../audit.js';
import type { ApiRouter, RouteContext } from '../router.js';
import { idParams } from './schemas.js';

export interface TryRouteDeps {
  readonly service: TryService;
  /** Largest upload (default 100 MB: a 16-bit 4000x4000 film is 32 MB). */
  readonly uploadLimitBytes?: number;
}

export const TRY_UPLOAD_TYPES = ['application/dicom', 'image/png', 'image/jpeg', 'application/octet-stream'] as const;
const ARRAY_NAMES = ['source', 'model', 'result', 'stored', 'guardMap'] as const;
type ArrayName = (typeof ARRAY_NAMES)[number];

const modelQuery = z.object({ model: z.string().min(1).max(64).optional().describe('A registry model id (default: the active model)') });
const tryModelSchema = z.object({
  id: z.string(), name: z.string(), version: z.string(), status: z.string(), sha256: z.string(), sizeBytes: z.number(),
  tile: z.number(), overlap: z.number(), batch: z.number(), align: z.number(),
  guard: z.object({ k: z.number(), strength: z.number(), maxClippedFraction: z.number() }), windowTail: z.number(),
});
const denoiseQuery = modelQuery.extend({
  strength: z.coerce.number().min(0).max(1).optional().describe("The guard's blend, 0 = original, 1 = model (default: the node's)"),
  output: z.enum(['arrays', 'png', 'dicom']).default('arrays').describe(`arrays: ${CONTAINER_TYPE} (JSON + typed arrays); png: the result as a PNG; dicom: the derived object (DICOM input only)`),
  arrays: z.string().max(200).optional().describe(`Which arrays, comma-separated, of ${ARRAY_NAMES.join(', ')} (default all)`),
});

export function registerTryRoutes(api: ApiRouter, deps: TryRouteDeps): void {
  const { service } = deps;
  const upload = { limitBytes: deps.uploadLimitBytes ?? 100 * 1024 * 1024, types: TRY_UPLOAD_TYPES };

  api.route({
    method: 'get', path: '/try/model', tag: 'try', role: 'viewer', query: modelQuery, response: tryModelSchema,
    summary: "The model Try it runs and the node's parameters for it (tiling, pad multiple, guard, window)",
    async handler({ query }) {
      return service.describe(await service.pick(query.model));
    },
  });
  api.route({
    method: 'get', path: '/models/:id/file', tag: 'try', role: 'viewer', params: idParams, raw: true, produces: 'application/octet-stream',
    summary: "A registry model's ONNX file, for the in-browser engine (the console never loads it from elsewhere)",
    async handler({ params, res }) {
      const model = await service.pick(params.id);
      res.set({ 'Cache-Control': 'private, no-cache', 'Content-Disposition': `attachment; filename="${model.name}-${model.version}.onnx"` });
      await new Promise<void>((resolve, reject) => res.sendFile(model.file, { headers: { 'Content-Type': 'application/octet-stream' } }, (err) => (err ? reject(err) : resolve())));
    },
  });
  api.route({
    method: 'post', path: '/try/decode', tag: 'try', role: 'viewer', upload, raw: true, produces: CONTAINER_TYPE,
    summary: 'Decode a file the browser cannot (compressed or deflated DICOM): its stored pixels and format, nothing stored',
    async handler(ctx) {
      const input = await audited(ctx, 'try.decode', {}, () => service.decode(ctx.body));
      sendContainer(ctx.res, inputMeta(input), { source: input.image.pixels });
    },
  });
  api.route({
    method: 'post', path: '/try/denoise', tag: 'try', role: 'operator', upload, query: denoiseQuery, raw: true, produces: CONTAINER_TYPE,
    summary: "Denoise an uploaded PNG, JPEG or DICOM with the node's pipeline and a registry model; nothing stored",
    description: 'Runs in the model\'s pipeline process, queued with the jobs (so operator). 400: not an image / bad query; 415: wrong Content-Type; 413: too large; 422: an image Try it cannot take (multi-frame, colour, unsupported syntax).',
    async handler(ctx) {
      const { query } = ctx;
      if (query.output === 'dicom' && !isDicomUpload(ctx.body)) throw new HttpError(400, 'output=dicom: a derived DICOM object needs a DICOM upload');
      const run = await audited(ctx, 'try.denoise', { output: query.output, ...(query.strength !== undefined ? { strength: query.strength } : {}) },
        () => service.run(ctx.body, { ...(query.model ? { modelId: query.model } : {}), ...(query.strength !== undefined ? { strength: query.strength } : {}) }));
      if (query.output === 'png') return sendPng(ctx.res, run);
      if (query.output === 'dicom') return sendDicom(ctx.res, service, run);
      sendContainer(ctx.res, runMeta(run), pickArrays(run, query.arrays));
    },
  });
}

/** Runs `work`, then audits the upload (kind, size, model, outcome); failures are audited too. */
async function audited<T extends TryInput | TryRun>(ctx: RouteContext<unknown, unknown, Buffer>, action: string, extra: Record<string, unknown>, work: () => Promise<T>): Promise<T> {
  const audit: AuditFn = ctx.audit;
  const base = { bytes: ctx.body.length, contentType: ctx.req.get('content-type') ?? '', ...extra };
  try {
    const out = await work();
    const run = 'prepared' in out ? (out as TryRun) : undefined;
    const input = run ? run.input : (out as TryInput);
    await audit(action, 'try:upload', { ...base, ...describeInput(input), ...(run ? { model: label(run.model), strength: run.guard.strength } : {}) });
    return out;
  } catch (err) {
    await audit(action, 'try:upload', { ...base, error: (err as Error).message }, 'failed');
    throw err;
  }
}

function describeInput(input: TryInput): Record<string, unknown> {
  return { kind: input.kind, width: input.image.width, height: input.image.height, ...(input.source.transferSyntaxUid ? { transferSyntax: input.source.transferSyntaxUid } : {}) };
}

function inputMeta(input: TryInput): Record<string, unknown> {
  const { image } = input;
  return {
    kind: input.kind, width: image.width, height: image.height, source: input.source, decodeMs: input.decodeMs,
    format: { bitsStored: image.bitsStored, pixelRepresentation: image.pixelRepresentation, photometric: image.photometric },
  };
}

function runMeta(run: TryRun): Record<string, unknown> {
  return {
    ...inputMeta(run.input), mapping: run.prepared.mapping, sigma: run.prepared.sigma, guard: run.blended.report,
    model: { id: run.model.id, name: run.model.name, version: run.model.version, provider: run.info.provider, tiling: run.info.tiling ?? null },
    timings: run.timings,
  };
}

function pickArrays(run: TryRun, list: string | undefined): Record<string, NumericArray> {
  const all: Record<ArrayName, NumericArray> = {
    source: run.input.image.pixels, model: run.output, result: run.blended.result, stored: run.blended.stored, guardMap: run.blended.map,
  };
  const names = list ? list.split(',').map((s) => s.trim()).filter(Boolean) : [...ARRAY_NAMES];
  const unknown = names.filter((n) => !(ARRAY_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new HttpError(400, `arrays: unknown ${unknown.join(', ')} (choose from ${ARRAY_NAMES.join(', ')})`);
  return Object.fromEntries(names.map((n) => [n, all[n as ArrayName]]));
}

function sendContainer(res: RouteContext<unknown, unknown, unknown>['res'], meta: Record<string, unknown>, arrays: Record<string, NumericArray>): void {
  const bytes = encodeContainer(meta, arrays);
  res.status(200).set({ 'Content-Type': CONTAINER_TYPE, 'Cache-Control': 'no-store' }).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

function sendPng(res: RouteContext<unknown, unknown, unknown>['res'], run: TryRun): void {
  const gray = pngGray(run.input.kind, run.input.image, run.blended);
  const png = encodePng({ width: run.input.image.width, height: run.input.image.height, ...gray });
  res.status(200).set({ 'Content-Type': 'image/png', 'Cache-Control': 'no-store', 'Content-Disposition': 'attachment; filename="sharpxr-try.png"' }).send(png);
}

function sendDicom(res: RouteContext<unknown, unknown, unknown>['res'], service: TryService, run: TryRun): void {
  const derived = service.derive(run);
  res.status(200).set({ 'Content-Type': 'application/dicom', 'Cache-Control': 'no-store', 'Content-Disposition': `attachment; filename="${derived.sopInstanceUid}.dcm"` })
    .send(Buffer.from(derived.bytes.buffer, derived.bytes.byteOffset, derived.bytes.byteLength));
}

/** Cheap pre-check so a PNG asked for as DICOM fails before the model runs. */
function isDicomUpload(bytes: Buffer): boolean {
  const isPng = bytes[0] === 0x89 && bytes[1] === 0x50;
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  return !isPng && !isJpeg;
}
