// Geometry and blending of overlapping tiles.
//
// A convolutional net sees zero padding at a tile's edge that it never sees inside the
// image, so the outer pixels of a tile are less trustworthy. Each tile therefore gets a
// separable weight window: 1 in the middle, ramping down across the `overlap` band at
// every edge that borders another tile, and staying 1 at edges on the image border
// (there is no neighbour to hand over to there). Outputs are accumulated as
// sum(w * out) / sum(w), so the hand-over between tiles is gradual and seam-free.

export interface Tile {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Start offsets along one axis, all multiples of `align` (the model's pad multiple).
 * The U-Net downsamples by 2 `depth` times, so it is only shift-equivariant in steps of
 * 2^depth: a tile starting on that grid computes what the whole-image pass computes,
 * apart from the missing context past its edges. Neighbours share at least `overlap`
 * pixels and are spread evenly. The last tile is shifted inward to the aligned start
 * nearest the image end, so it is at least `tile - align + 1` pixels and reaches the
 * border; the model pads it internally exactly as it pads the whole image.
 */
export function tileStarts(size: number, tile: number, overlap: number, align = 1): number[] {
  if (size <= tile) return [0];
  let unit = Math.max(1, Math.floor(align));
  if (tile - overlap < unit) unit = 1; // tiles too small to keep the grid: plain pixels
  const lastUnits = Math.ceil((size - tile) / unit);
  const maxStrideUnits = Math.floor((tile - overlap) / unit);
  const gaps = Math.ceil(lastUnits / maxStrideUnits);
  const starts: number[] = [];
  // floor(i * L / gaps) steps by floor or ceil of L / gaps, never more than maxStrideUnits.
  for (let i = 0; i <= gaps; i++) starts.push(unit * Math.floor((i * lastUnits) / gaps));
  return starts;
}

/**
 * Tile edge along one axis: the smallest grid-aligned size that covers `size` with the
 * fewest tiles of at most `maxTile`. Using `maxTile` as is would waste work: 2048 px in
 * 512-px tiles with 64 px overlap needs 5 tiles that add 56% to the pixels processed,
 * while 5 tiles of 464 px cover it with 28%.
 */
export function tileSize(size: number, maxTile: number, overlap: number, align = 1): number {
  if (size <= maxTile) return size;
  const unit = Math.max(1, Math.floor(align));
  const minTiles = Math.ceil((size - overlap) / (maxTile - overlap));
  for (let n = minTiles; n <= size; n++) {
    const exact = Math.ceil((size + (n - 1) * overlap) / n);
    const aligned = Math.ceil(exact / unit) * unit;
    if (aligned <= maxTile && aligned - overlap >= unit) return aligned;
  }
  return maxTile; // maxTile is below the grid size; tileStarts falls back to pixel steps
}

/** Tiles in row-major order; edge tiles may be up to `align - 1` pixels short. */
export function planTiles(width: number, height: number, maxTile: number, overlap: number, align = 1): Tile[] {
  const tw = tileSize(width, maxTile, overlap, align);
  const th = tileSize(height, maxTile, overlap, align);
  const xs = tileStarts(width, tw, overlap, align);
  const ys = tileStarts(height, th, overlap, align);
  const tiles: Tile[] = [];
  for (const y of ys) {
    for (const x of xs) {
      tiles.push({ x, y, width: Math.min(tw, width - x), height: Math.min(th, height - y) });
    }
  }
  return tiles;
}

// Pixels right at a shared edge carry the worst padding artefacts; give them (almost)
// no say. The floor keeps sum(w) > 0 even in odd geometries, at no visible cost.
const WEIGHT_FLOOR = 1e-6;

/**
 * 1-D window of `length` samples for a tile starting at `start` on an axis of `size`.
 * The ramp skips a quarter of the band next to the edge (weight ~0 there) and rises
 * linearly across the rest; w(i) + w(band-1-i) = 1, so two tiles that overlap by exactly
 * the band sum to one.
 */
export function axisWeights(start: number, length: number, size: number, overlap: number): Float32Array {
  const w = new Float32Array(length).fill(1);
  if (overlap <= 0) return w;
  const band = Math.min(overlap, length);
  const margin = Math.floor(band / 4);
  const rampLength = band - 2 * margin;
  for (let i = 0; i < band; i++) {
    const ramp = Math.min(1, Math.max(WEIGHT_FLOOR, (i + 0.5 - margin) / rampLength));
    if (start > 0) w[i] = Math.min(w[i]!, ramp);
    if (start + length < size) w[length - 1 - i] = Math.min(w[length - 1 - i]!, ramp);
  }
  return w;
}

/** Copy a tile's pixels out of a row-major image into `dst` (length width*height). */
export function extractTile(src: Float32Array, imageWidth: number, t: Tile, dst: Float32Array): void {
  for (let row = 0; row < t.height; row++) {
    const from = (t.y + row) * imageWidth + t.x;
    dst.set(src.subarray(from, from + t.width), row * t.width);
  }
}

/** Accumulates weighted tile outputs; `result()` normalises in place and returns the image. */
export class TileBlender {
  private readonly sum: Float32Array;
  private readonly weight: Float32Array;

  constructor(
    readonly width: number,
    readonly height: number,
    private readonly overlap: number,
  ) {
    this.sum = new Float32Array(width * height);
    this.weight = new Float32Array(width * height);
  }

  add(t: Tile, out: Float32Array): void {
    const wx = axisWeights(t.x, t.width, this.width, this.overlap);
    const wy = axisWeights(t.y, t.height, this.height, this.overlap);
    for (let row = 0; row < t.height; row++) {
      const base = (t.y + row) * this.width + t.x;
      const src = row * t.width;
      const rowWeight = wy[row]!;
      for (let col = 0; col < t.width; col++) {
        const w = rowWeight * wx[col]!;
        this.sum[base + col]! += w * out[src + col]!;
        this.weight[base + col]! += w;
      }
    }
  }

  /** The blended image. Reuses the accumulator, so call once. */
  result(): Float32Array {
    const { sum, weight } = this;
    for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! / weight[i]!;
    return sum;
  }
}
