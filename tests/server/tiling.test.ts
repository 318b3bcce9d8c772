// Tiling: the geometry on its own, then the model's tiled output against one whole pass.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  axisWeights, ModelRunner, planTiles, tileSize, tileStarts, type Tile,
} from '../../server/src/pipeline/infer/index.js';
import { DEFAULTS } from '../../server/src/config/index.js';
import type { GrayImage } from '../../server/src/imaging/index.js';
import { crop, fixtureImage, maxAbsDiff, seededRandom, testModelPath } from './helpers.js';

describe('tile geometry', () => {
  it('covers every pixel with tiles no larger than the maximum, on the alignment grid', () => {
    for (const [size, max, overlap, align] of [
      [100, 128, 32, 16], [129, 128, 32, 16], [300, 128, 32, 16], [2048, 512, 64, 16],
      [3000, 512, 64, 16], [1841, 512, 64, 16], [517, 256, 64, 1], [1000, 96, 48, 16],
    ] as const) {
      const t = tileSize(size, max, overlap, align);
      const starts = tileStarts(size, t, overlap, align);
      assert.ok(t <= max, `tile ${t} > max ${max}`);
      assert.equal(starts[0], 0);
      assert.ok(starts.at(-1)! + t >= size, `size ${size}: last tile ends before the border`);
      for (const [i, s] of starts.entries()) {
        assert.equal(s % (size <= max ? 1 : align), 0, `start ${s} off the ${align}-grid`);
        if (i > 0) assert.ok(starts[i - 1]! + t - s >= overlap, `size ${size}: overlap below ${overlap}`);
        if (i > 0) assert.ok(s > starts[i - 1]!, 'starts must increase');
      }
    }
  });

  it('keeps tiles full-size except the last, which may be short by less than the grid', () => {
    const tiles = planTiles(3000, 2100, 512, 64, 16);
    const widths = new Set(tiles.map((t) => t.width));
    for (const t of tiles) {
      assert.ok(t.x + t.width <= 3000 && t.y + t.height <= 2100, 'tile outside the image');
      assert.ok(t.width > 512 - 16 - 64, `tile too narrow: ${t.width}`);
    }
    assert.ok(widths.size <= 2, `tile widths ${[...widths]}`);
  });

  it('gives every pixel a total weight of at least one, for any geometry', () => {
    const rand = seededRandom(3);
    for (let k = 0; k < 600; k++) {
      const align = [1, 16, 32][k % 3]!;
      const tile = 16 + Math.floor(rand() * 600);
      const overlap = Math.floor(rand() * (tile / 2 + 1));
      const size = 1 + Math.floor(rand() * 3000);
      const label = `size ${size}, tile ${tile}, overlap ${overlap}, align ${align}`;
      const tiles = planTiles(size, 1, tile, overlap, align);
      const total = new Float64Array(size);
      for (const [i, t] of tiles.entries()) {
        assert.ok(t.x >= 0 && t.x + t.width <= size && t.width <= tile, `${label}: tile outside`);
        if (i > 0) assert.ok(tiles[i - 1]!.x + tiles[i - 1]!.width - t.x >= overlap, `${label}: overlap too small`);
        axisWeights(t.x, t.width, size, overlap).forEach((w, j) => (total[t.x + j]! += w));
      }
      assert.ok(total.every((w) => w > 1 - 1e-6), `${label}: a pixel has weight below 1`);
    }
  });

  it('uses one tile for images not larger than a tile', () => {
    assert.deepEqual(planTiles(400, 300, 512, 64, 16), [{ x: 0, y: 0, width: 400, height: 300 }]);
  });

  it('weights ramp at shared edges, stay 1 at the image border, and hand over to one', () => {
    const inner = axisWeights(100, 128, 1000, 32);
    const first = axisWeights(0, 128, 1000, 32);
    const last = axisWeights(872, 128, 1000, 32);
    assert.equal(first[0], 1, 'image border must not be down-weighted');
    assert.equal(last[127], 1, 'image border must not be down-weighted');
    assert.ok(inner[0]! < 1e-3 && inner[127]! < 1e-3, 'shared edges must carry ~no weight');
    assert.equal(inner[64], 1);
    for (let i = 0; i < 32; i++) {
      // Two neighbours overlapping by exactly the band sum to one across it.
      assert.ok(Math.abs(inner[i]! + inner[31 - i]! - 1) < 1e-5, `w(${i}) + w(${31 - i}) != 1`);
      assert.ok(inner[i]! > 0, 'weights must stay positive');
    }
  });
});

/** Rows and columns where some tile starts or ends inside the image. */
function tileEdges(tiles: readonly Tile[], width: number, height: number): { cols: Set<number>; rows: Set<number> } {
  const cols = new Set<number>();
  const rows = new Set<number>();
  for (const t of tiles) {
    if (t.x > 0) cols.add(t.x);
    if (t.x + t.width < width) cols.add(t.x + t.width - 1);
    if (t.y > 0) rows.add(t.y);
    if (t.y + t.height < height) rows.add(t.y + t.height - 1);
  }
  return { cols, rows };
}

interface SeamStats {
  edgeMax: number;
  elsewhereMax: number;
  edgeStep: number;
}

/** |tiled - whole| on tile-edge lines vs elsewhere, and its jump across those lines. */
function seamStats(diff: Float32Array, width: number, height: number, tiles: readonly Tile[]): SeamStats {
  const { cols, rows } = tileEdges(tiles, width, height);
  const s: SeamStats = { edgeMax: 0, elsewhereMax: 0, edgeStep: 0 };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = diff[y * width + x]!;
      const onEdge = cols.has(x) || rows.has(y);
      if (onEdge) s.edgeMax = Math.max(s.edgeMax, Math.abs(d));
      else s.elsewhereMax = Math.max(s.elsewhereMax, Math.abs(d));
      if (cols.has(x) && x > 0) s.edgeStep = Math.max(s.edgeStep, Math.abs(d - diff[y * width + x - 1]!));
      if (rows.has(y) && y > 0) s.edgeStep = Math.max(s.edgeStep, Math.abs(d - diff[(y - 1) * width + x]!));
    }
  }
  return s;
}

/** Records [n, h, w] of every model run the runner makes from now on. */
function countRuns(runner: ModelRunner): number[][] {
  const runs: number[][] = [];
  const run = runner.runBatch.bind(runner);
  runner.runBatch = (data, n, h, w) => {
    runs.push([n, h, w]);
    return run(data, n, h, w);
  };
  return runs;
}

/** Nearest-neighbour enlargement by an integer factor. */
function upscale(img: GrayImage, f: number): GrayImage {
  const width = img.width * f;
  const height = img.height * f;
  const pixels = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels[y * width + x] = img.pixels[Math.floor(y / f) * img.width + Math.floor(x / f)]!;
  }
  return { ...img, width, height, pixels };
}

describe('tiled inference', () => {
  let image: GrayImage;
  let source: string;
  const runners: ModelRunner[] = [];

  before(async () => {
    ({ image, source } = await fixtureImage());
  });
  after(async () => {
    for (const r of runners) await r.release();
  });

  async function compare(img: GrayImage, tile: number, overlap: number) {
    const runner = await ModelRunner.load(testModelPath(), { providers: ['cpu'], tile, overlap });
    runners.push(runner);
    const whole = await runner.runWhole(img.pixels, img.width, img.height);
    const runs = countRuns(runner);
    const tiled = await runner.denoise(img.pixels, img.width, img.height);
    assert.ok(runs.length > 1, `denoise made ${runs.length} model run(s): not tiled`);
    const diff = new Float32Array(whole.length);
    for (let i = 0; i < diff.length; i++) diff[i] = tiled[i]! - whole[i]!;
    const tiles = planTiles(img.width, img.height, tile, overlap, runner.align);
    assert.ok(tiles.length > 1, 'the test image must span several tiles');
    assert.ok(tiled.every(Number.isFinite), 'tiled output has NaN or infinity');
    return { max: maxAbsDiff(tiled, whole), seams: seamStats(diff, img.width, img.height, tiles), tiles };
  }

  it('small tiles (192, overlap 96) match one whole pass and leave no seams', async (t) => {
    // Odd size on purpose: edge tiles are short and padded by the model like the whole image.
    const img = crop(image, 180, 60, 451, 331);
    const { max, seams, tiles } = await compare(img, 192, 96);
    t.diagnostic(`${source} crop ${img.width}x${img.height}, ${tiles.length} tiles: max |tiled-whole| ` +
      `${max.toExponential(2)}, on tile edges ${seams.edgeMax.toExponential(2)}, elsewhere ` +
      `${seams.elsewhereMax.toExponential(2)}, step across edges ${seams.edgeStep.toExponential(2)}`);
    assert.ok(max < 1e-3, `tiled differs from the whole pass by ${max}`);
    assert.ok(seams.edgeMax <= seams.elsewhereMax + 2e-4,
      `tile edges differ more (${seams.edgeMax}) than elsewhere (${seams.elsewhereMax})`);
    assert.ok(seams.edgeStep < 1e-3, `jump across tile edges ${seams.edgeStep}`);
  });

  it('runs an image up to the area of a 4/3-tile square in one pass, a larger one in tiles', async () => {
    const runner = await ModelRunner.load(testModelPath(), { providers: ['cpu'], tile: 192, overlap: 32 });
    runners.push(runner);
    const runs = countRuns(runner);
    const small = crop(image, 0, 0, 250, 250); // 62,500 px <= 256^2: one pass though wider than a tile
    await runner.denoise(small.pixels, small.width, small.height);
    assert.deepEqual(runs, [[1, 250, 250]]);
    runs.length = 0;
    const large = crop(image, 0, 0, 260, 260); // 67,600 px > 256^2: tiles of at most 192
    await runner.denoise(large.pixels, large.width, large.height);
    assert.ok(runs.length > 1 && runs.every(([, h, w]) => h! <= 192 && w! <= 192), JSON.stringify(runs));
  });

  it('default tiles match one whole pass on the full radiograph', async (t) => {
    // Twice the default tile a side, so that the default really tiles it.
    const img = image.width >= 2 * DEFAULTS.tile ? image : upscale(image, 2);
    const { max, seams, tiles } = await compare(img, DEFAULTS.tile, DEFAULTS.overlap);
    t.diagnostic(`${source} ${img.width}x${img.height}, ${tiles.length} tiles: max |tiled-whole| ` +
      `${max.toExponential(2)}, step across edges ${seams.edgeStep.toExponential(2)}`);
    assert.ok(max < 1e-3, `tiled differs from the whole pass by ${max}`);
    assert.ok(seams.edgeStep < 1e-3, `jump across tile edges ${seams.edgeStep}`);
  });
});
