// The comparison view's arithmetic, without a browser: DICOM's linear VOI window, MONOCHROME1
// inversion, signed pixels from the node's image answer, the difference map's scale, presets,
// window drag and the shared zoom/pan.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeRawImage, inUnitsOf, parseRawMeta } from '../../server/console/src/components/compare/raw-image.js';
import { fitView, panBy, toImage, toScreen, zoomAt, MAX_ZOOM } from '../../server/console/src/components/compare/view.js';
import { differenceImage, dragWindow, valueRange, windowImage, windowPresets, windowValue } from '../../server/console/src/components/compare/windowing.js';

const headers = (h: Record<string, string | number>) => (name: string): string | null => (name in h ? String(h[name]) : null);
const words = (values: number[], signed: boolean): ArrayBuffer => {
  const buf = new ArrayBuffer(values.length * 2);
  const view = new DataView(buf);
  values.forEach((v, i) => (signed ? view.setInt16(i * 2, v, true) : view.setUint16(i * 2, v, true)));
  return buf;
};

describe('windowing', () => {
  it('follows DICOM\'s linear function: below the window black, above it white, the center mid-gray', () => {
    const w = { center: 2048, width: 1000 };
    assert.equal(windowValue(1000, w), 0);
    assert.equal(windowValue(1548, w), 0, 'the lower edge');
    assert.equal(windowValue(3000, w), 255);
    assert.equal(windowValue(2547, w), 255, 'the upper edge');
    assert.ok(Math.abs(windowValue(2048, w) - 128) <= 1);
    assert.ok(windowValue(1800, w) < windowValue(2300, w), 'monotonic');
  });

  it('inverts for MONOCHROME1, where a larger value is darker', () => {
    const w = { center: 100, width: 50, invert: true };
    assert.equal(windowValue(0, w), 255);
    assert.equal(windowValue(1000, w), 0);
    assert.equal(windowValue(110, w), 255 - windowValue(110, { center: 100, width: 50 }));
  });

  it('windows every integer type and floats the same way, signed values included', () => {
    const w = { center: 0, width: 200 };
    const values = [-32768, -100, -1, 0, 1, 99, 32767];
    const expected = values.map((v) => windowValue(v, w));
    assert.deepEqual(Array.from(windowImage({ width: 7, height: 1, data: Int16Array.from(values) }, w)), expected);
    assert.deepEqual(Array.from(windowImage({ width: 7, height: 1, data: Float32Array.from(values) }, w)), expected);
    const u = [0, 1, 4095, 65535];
    const wu = { center: 2048, width: 4096 };
    assert.deepEqual(Array.from(windowImage({ width: 4, height: 1, data: Uint16Array.from(u) }, wu)), u.map((v) => windowValue(v, wu)));
    assert.deepEqual(Array.from(windowImage({ width: 2, height: 1, data: Uint8Array.from([0, 255]) }, { center: 128, width: 256 })), [0, 255]);
    const s8 = [-128, -1, 0, 127];
    assert.deepEqual(Array.from(windowImage({ width: 4, height: 1, data: Int8Array.from(s8) }, w)), s8.map((v) => windowValue(v, w)));
  });

  it('draws the difference as |a - b| × gain over the window width, 0 where nothing changed', () => {
    const a = { width: 4, height: 1, data: Uint16Array.from([100, 200, 300, 400]) };
    const b = { width: 4, height: 1, data: Uint16Array.from([100, 190, 310, 0]) };
    const out = differenceImage(a, b, { center: 0, width: 255 }, 2);
    assert.deepEqual(Array.from(out), [0, 20, 20, 255]);
    assert.throws(() => differenceImage(a, { width: 2, height: 2, data: b.data }, { center: 0, width: 1 }, 1), /differ in size/);
  });

  it('offers presets relative to the starting window and a full range one', () => {
    const image = { width: 3, height: 1, data: Int16Array.from([-50, 0, 950]) };
    assert.deepEqual(valueRange(image), { min: -50, max: 950 });
    const presets = windowPresets({ center: 400, width: 600, invert: true }, valueRange(image));
    assert.deepEqual(presets.map((p) => p.id), ['default', 'narrow', 'wide', 'full']);
    assert.equal(presets[1]!.window.width, 300);
    assert.equal(presets[3]!.window.width, 1001);
    assert.ok(presets.every((p) => p.window.invert === true), 'inversion kept');
  });

  it('drags the window: right widens, up brightens, also when inverted', () => {
    const start = { center: 1000, width: 400 };
    const d = dragWindow(start, 100, -50, 500, 4000);
    assert.equal(d.width, 1200);
    assert.ok(windowValue(1000, d) > windowValue(1000, start), 'brighter after an upward drag');
    const inv = { ...start, invert: true };
    assert.ok(windowValue(1000, dragWindow(inv, 0, -50, 500, 4000)) > windowValue(1000, inv), 'inverted: still brighter');
    assert.equal(dragWindow(start, -10_000, 0, 500, 4000).width, 1, 'never below 1');
  });
});

describe('the node\'s image answer', () => {
  const base = { 'X-Image-Width': 2, 'X-Image-Height': 2, 'X-Bits-Stored': 12, 'X-Window-Center': 10, 'X-Window-Width': 40, 'X-Window-Source': 'file', 'X-Rescale-Slope': 1, 'X-Rescale-Intercept': 0 };

  it('reads signed words as two\'s complement when X-Pixel-Representation is 1', () => {
    const raw = decodeRawImage(words([-2048, -1, 0, 2047], true), headers({ ...base, 'X-Pixel-Representation': 1, 'X-Photometric': 'MONOCHROME2', 'X-Window-Center': 1000 }));
    assert.ok(raw.image.data instanceof Int16Array);
    assert.deepEqual(Array.from(raw.image.data), [-2048, -1, 0, 2047]);
    // Read unsigned, -1 would be 65535 and white under this window; signed it is below the window: black.
    assert.equal(windowImage(raw.image, raw.meta.window)[1], 0);
  });

  it('reads unsigned words as they are, little endian', () => {
    const raw = decodeRawImage(words([0, 1, 4095, 65535], false), headers({ ...base, 'X-Pixel-Representation': 0, 'X-Photometric': 'MONOCHROME2' }));
    assert.ok(raw.image.data instanceof Uint16Array);
    assert.deepEqual(Array.from(raw.image.data), [0, 1, 4095, 65535]);
    assert.equal(raw.meta.window.invert, false);
  });

  it('starts MONOCHROME1 inverted, so its larger values show dark', () => {
    const raw = decodeRawImage(words([0, 0, 1000, 1000], false), headers({ ...base, 'X-Pixel-Representation': 0, 'X-Photometric': 'MONOCHROME1' }));
    assert.equal(raw.meta.window.invert, true);
    const shown = windowImage(raw.image, raw.meta.window);
    assert.ok(shown[0]! > shown[2]!, 'low value bright, high value dark');
  });

  it('refuses a body of the wrong length or headers that are missing', () => {
    assert.throws(() => decodeRawImage(new ArrayBuffer(6), headers({ ...base, 'X-Pixel-Representation': 0 })), /6 bytes/);
    assert.throws(() => parseRawMeta(headers({ 'X-Image-Width': 2 })), /X-Image-Height/);
  });

  it('brings an image with another rescale to the first one\'s stored units', () => {
    const meta = parseRawMeta(headers({ ...base, 'X-Pixel-Representation': 0, 'X-Rescale-Slope': 1, 'X-Rescale-Intercept': -1024 }));
    const other = decodeRawImage(words([0, 1, 2, 3], false), headers({ ...base, 'X-Pixel-Representation': 0, 'X-Rescale-Slope': 2, 'X-Rescale-Intercept': 0 }));
    assert.deepEqual(Array.from(inUnitsOf(meta, other).data), [1024, 1026, 1028, 1030]);
    const same = decodeRawImage(words([5, 6, 7, 8], false), headers({ ...base, 'X-Pixel-Representation': 0, 'X-Rescale-Intercept': -1024 }));
    assert.equal(inUnitsOf(meta, same), same.image, 'no copy when the units agree');
  });
});

describe('shared zoom and pan', () => {
  const image = { width: 2000, height: 1000 };
  const pane = { width: 500, height: 500 };

  it('fits the whole image and maps image and screen points both ways', () => {
    const v = fitView(image);
    assert.deepEqual(toScreen(v, image, pane, 0, 500), { x: 0, y: 250 });
    assert.deepEqual(toImage(v, image, pane, 500, 250), { x: 2000, y: 500 });
  });

  it('zooms about the pointer: the image point under it stays put', () => {
    const v = zoomAt(fitView(image), image, pane, 4, 100, 300);
    const before = toImage(fitView(image), image, pane, 100, 300);
    const after = toImage(v, image, pane, 100, 300);
    assert.ok(Math.abs(before.x - after.x) < 1e-9 && Math.abs(before.y - after.y) < 1e-9);
    assert.equal(zoomAt(v, image, pane, 1e6, 0, 0).zoom, MAX_ZOOM);
  });

  it('pans by screen pixels in image units, the same view for a pane of another size', () => {
    const v = panBy(fitView(image), image, pane, 50, 0);
    assert.equal(v.cx, 1000 - 50 / 0.25);
    const big = { width: 1000, height: 1000 };
    assert.deepEqual(toImage(v, image, big, 500, 500), toImage(v, image, pane, 250, 250), 'both panes centre the same image point');
  });
});
