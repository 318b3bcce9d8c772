// What the training tests share: a tiny flat dataset (fixture radiographs cut to small crops),
// hyperparameters that make a real run take a few seconds (a [8, 16, 32] U-Net, 32 px patches,
// no VGG pass), a TrainingManager on a real migrated database, and SSE reading.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readImage, writePng } from '../../server/src/imaging/index.js';
import { createLogger, type Logger } from '../../server/src/node/logger.js';
import { systemAudit, type ModelRegistry } from '../../server/src/registry/index.js';
import { TrainingManager, type Hyper, type TrainingManagerOptions } from '../../server/src/training/index.js';
import type { Database } from '../../server/src/db/index.js';
import { ROOT, pythonPath } from './helpers.js';

/** A run of a few seconds: 12 steps, validation every 6. */
export const TINY: Hyper = {
  totalSteps: 12, ganSteps: 6, batchSize: 2, patchSize: 32, channels: [8, 16, 32], perceptualWeight: 0,
  logEvery: 1, valEvery: 6, ckptEvery: 6, valImages: 1, valCrop: 64,
};

/**
 * Long enough to be watched while it trains: the SSE stream sends at most one frame per 250 ms
 * (RunListeners), and TINY's 12 steps take about 200 ms, so a subscriber often saw the stage
 * start and then its end. 120 steps are a couple of seconds idle, longer on a loaded machine.
 */
export const STREAMED: Hyper = { ...TINY, totalSteps: 120, valEvery: 60, ckptEvery: 60 };

/** Long enough to cancel half way (a few seconds of steps at the tiny size). */
export const LONGER: Hyper = { ...TINY, totalSteps: 150, valEvery: 75, ckptEvery: 75, logEvery: 2 };

/**
 * `count` 16-bit PNG crops (size x size) of the fixture radiographs in a flat folder: small so a
 * run loads them at once, real film so the validation figures mean something.
 */
export async function tinyDataset(dir: string, count = 5, size = 96): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const src = join(ROOT, 'tests', 'fixtures', 'images');
  const files = readdirSync(src).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
  for (let i = 0; i < count; i++) {
    const image = await readImage(join(src, files[i % files.length]!));
    const x0 = Math.floor((((i * 2) % 5) / 5) * (image.width - size));
    const y0 = Math.floor((image.height - size) / 2);
    const pixels = new Float32Array(size * size);
    for (let y = 0; y < size; y++) pixels.set(image.pixels.subarray((y + y0) * image.width + x0, (y + y0) * image.width + x0 + size), y * size);
    await writePng(join(dir, `crop-${i}.png`), { width: size, height: size, pixels, bitDepth: 16 });
  }
  return dir;
}

export function copyFixture(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const src = join(ROOT, 'tests', 'fixtures', 'images');
  for (const f of readdirSync(src)) copyFileSync(join(src, f), join(dir, f));
  return dir;
}

export interface ManagerFixture {
  readonly manager: TrainingManager;
  readonly logs: Record<string, unknown>[];
}

export async function openManager(db: Database, runsDir: string, extra: Partial<TrainingManagerOptions> & { registry?: ModelRegistry } = {}): Promise<ManagerFixture> {
  const logs: Record<string, unknown>[] = [];
  const log: Logger = createLogger('debug', (line) => logs.push(JSON.parse(line) as Record<string, unknown>));
  const manager = await TrainingManager.open({
    db, log, runsDir, root: ROOT, python: pythonPath('torch'), threads: 1, systemAudit: systemAudit(db, 'system'), closeGraceMs: 20_000, ...extra,
  });
  return { manager, logs };
}

/** Server-sent events of a response, parsed as they arrive. */
export async function* sseEvents(res: Response): AsyncGenerator<{ event: string; data: string }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      if (event) yield { event, data };
    }
  }
}
