// The tiled pass over a whole image, independent of the runtime that runs the model: the
// node's ModelRunner (onnxruntime-node) and the console's Try-it engine (onnxruntime-web in
// the browser) both call runTiled with their own `runBatch`, so a tile plan, its batching and
// the blend are the same code on both sides and their results agree to float rounding.
// Pure: no Node or browser API, nothing but tiling.ts.
import { extractTile, planTiles, TileBlender, type Tile } from './tiling.js';

/** Runs the model on n images of h x w laid out as [n,1,h,w]; returns the same layout. */
export type RunBatch = (data: Float32Array, n: number, h: number, w: number) => Promise<Float32Array>;

export interface TilePlan {
  /** Largest tile edge; see runsWhole for the images that run in one pass. */
  readonly tile: number;
  readonly overlap: number;
  /** Tile starts snap to this grid (the model's pad multiple). */
  readonly align: number;
  /** Tiles per model run. */
  readonly batch: number;
}

/** Called after each model run with the tiles done so far and the total (1 of 1 untiled). */
export type TileProgress = (done: number, total: number) => void;

/**
 * One pass for an image that fits a tile, or whose area is at most that of a (4/3 tile) square
 * (1024^2 for 768 tiles): a 1000x800 film cut into four overlapping 768 tiles computes 1.05 MP
 * for its 0.8 and ran 1.37x slower through `sharpxr denoise`; one pass costs what a 1024 tile does.
 */
export function runsWhole(width: number, height: number, tile: number): boolean {
  const edge = Math.floor((tile * 4) / 3);
  return (width <= tile && height <= tile) || width * height <= edge * edge;
}

/** The whole image in one pass (runsWhole), else tile by tile with the weighted blend. */
export async function runTiled(pixels: Float32Array, width: number, height: number, plan: TilePlan, runBatch: RunBatch, onProgress?: TileProgress): Promise<Float32Array> {
  if (runsWhole(width, height, plan.tile)) {
    const out = await runBatch(pixels, 1, height, width);
    onProgress?.(1, 1);
    return out;
  }
  const tiles = planTiles(width, height, plan.tile, plan.overlap, plan.align);
  const blender = new TileBlender(width, height, plan.overlap);
  let done = 0;
  for (const group of batches(tiles, Math.max(1, plan.batch))) {
    const first = group[0]!;
    const size = first.width * first.height;
    // One tensor of `group.length` equally sized tiles: [N,1,h,w].
    const input = new Float32Array(size * group.length);
    group.forEach((t, k) => extractTile(pixels, width, t, input.subarray(k * size, (k + 1) * size)));
    const out = await runBatch(input, group.length, first.height, first.width);
    group.forEach((t, k) => blender.add(t, out.subarray(k * size, (k + 1) * size)));
    done += group.length;
    onProgress?.(done, tiles.length);
  }
  return blender.result();
}

/** How many model runs' worth of tiles an image takes (1 when it runs whole). */
export function tileCount(width: number, height: number, plan: Pick<TilePlan, 'tile' | 'overlap' | 'align'>): number {
  if (runsWhole(width, height, plan.tile)) return 1;
  return planTiles(width, height, plan.tile, plan.overlap, plan.align).length;
}

/** Consecutive tiles of the same shape, at most `max` per group (edge tiles may be shorter). */
export function batches(tiles: readonly Tile[], max: number): Tile[][] {
  const groups: Tile[][] = [];
  let current: Tile[] = [];
  for (const t of tiles) {
    const head = current[0];
    if (head && (current.length >= max || head.width !== t.width || head.height !== t.height)) {
      groups.push(current);
      current = [];
    }
    current.push(t);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** The model's pad multiple (2^depth) from its metadata; 1 (no grid) if it does not say. */
export function padMultiple(meta: Readonly<Record<string, string>>): number {
  const value = Number(meta.pad_multiple);
  return Number.isInteger(value) && value > 0 ? value : 1;
}
