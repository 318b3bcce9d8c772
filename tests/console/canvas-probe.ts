// What a CompareView canvas shows, read from its pixels in the page (red channel; the images
// are gray). Regions are fractions of the drawn image, which is fitted and centred in the
// canvas: `aspect` is the image's width/height (the CR fixture is square).
import type { Locator } from 'playwright-core';

export interface CanvasStats {
  readonly mean: number;
  readonly max: number;
  /** Standard deviation over the image: ~0 for a blank canvas. */
  readonly spread: number;
  /** Fraction of the image's pixels that are not black. */
  readonly nonBlack: number;
  /** Mean of the middle column band (the mediastinum of a chest film). */
  readonly centerColumnMean: number;
  /** Mean of the right-hand side of the patient's chest as shown (left of the image): a lung. */
  readonly lungMean: number;
}

/** tsx (esbuild's keepNames) wraps named inner functions in __name(), which the page lacks. */
async function allowNames(canvas: Locator): Promise<void> {
  await canvas.page().evaluate('globalThis.__name ??= (f) => f');
}

export async function canvasStats(canvas: Locator, aspect = 1): Promise<CanvasStats> {
  await allowNames(canvas);
  return canvas.evaluate((c: HTMLCanvasElement, aspect: number) => {
    const ctx = c.getContext('2d')!;
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    const iw = Math.min(c.width, c.height * aspect);
    const ih = iw / aspect;
    const x0 = (c.width - iw) / 2;
    const y0 = (c.height - ih) / 2;
    const region = (fx0: number, fx1: number, fy0: number, fy1: number) => {
      let sum = 0, sq = 0, n = 0, max = 0, lit = 0;
      for (let y = Math.floor(y0 + fy0 * ih); y < Math.floor(y0 + fy1 * ih); y++) {
        for (let x = Math.floor(x0 + fx0 * iw); x < Math.floor(x0 + fx1 * iw); x++) {
          const v = px[(y * c.width + x) * 4]!;
          sum += v; sq += v * v; n++;
          if (v > max) max = v;
          if (v > 8) lit++;
        }
      }
      const mean = n ? sum / n : 0;
      return { mean, max, spread: Math.sqrt(Math.max(0, (n ? sq / n : 0) - mean * mean)), nonBlack: n ? lit / n : 0 };
    };
    const all = region(0, 1, 0, 1);
    return { ...all, centerColumnMean: region(0.45, 0.55, 0.3, 0.6).mean, lungMean: region(0.15, 0.35, 0.3, 0.6).mean };
  }, aspect);
}

/** Mean absolute difference between the canvas now and a copy taken earlier (a data URL), over all pixels. */
export async function swipeBandDiff(canvas: Locator): Promise<number> {
  await allowNames(canvas);
  // Left of the divider the original, right of it the denoised image: compare a band just left
  // of the divider with what the same band shows when the divider is moved past it.
  return canvas.evaluate(async (c: HTMLCanvasElement) => {
    const read = () => c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data.slice();
    const view = c.closest('[data-testid="compare-view"]') as HTMLElement;
    const at = Number(view.dataset.swipe);
    const a = read();
    view.focus();
    // Move the divider left by 20 % with the keyboard, wait for a frame, read again.
    for (let i = 0; i < 10; i++) view.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true }));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const b = read();
    const x0 = Math.floor((at - 0.2) * c.width);
    const x1 = Math.floor(at * c.width);
    let sum = 0, n = 0;
    for (let y = 0; y < c.height; y++) {
      for (let x = Math.max(0, x0); x < x1; x++) {
        const i = (y * c.width + x) * 4;
        sum += Math.abs(a[i]! - b[i]!);
        n++;
      }
    }
    return n ? sum / n : 0;
  });
}
