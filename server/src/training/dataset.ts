// The dataset folder a run trains on, checked before the run is queued so the form can say
// what is wrong at once: it exists, it holds images, and which layout it has. The rules are
// training/data/layout.py's (the trainer applies them again and reports what it found):
//   kaggle  DIR/chest_xray/{train,val}/<class>/ or DIR/{train,val}/<class>/
//   splits  DIR/train/ and DIR/val/ with images directly in them
//   flat    images anywhere under DIR; the last few (sorted) are held out for validation
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { badRequest } from '../http/errors.js';

export type DatasetLayout = 'kaggle' | 'splits' | 'flat';

export interface DatasetInfo {
  readonly path: string;
  readonly layout: DatasetLayout;
  readonly trainImages: number;
  readonly valImages: number;
  /** Validation images cut from the train list (a flat folder, or no val/ folder). */
  readonly holdout: number;
  /** Kaggle class folders used (the preset's classes that exist), else null. */
  readonly classes: readonly string[] | null;
  /** True when counting stopped at MAX_FILES. */
  readonly truncated: boolean;
  readonly description: string;
}

const IMAGE = /\.(png|jpe?g|tiff?|dcm|dicom)$/i;
const MAX_FILES = 200_000;
const MAX_HOLDOUT = 10;

export function holdoutFor(n: number): number {
  return n < 2 ? 0 : Math.max(1, Math.min(MAX_HOLDOUT, Math.floor(n / 5)));
}

/** Throws a 400 naming the problem; `classes` are the preset's (Kaggle class filter). */
export async function inspectDataset(path: string, classes: readonly string[] | null = null): Promise<DatasetInfo> {
  if (!isAbsolute(path)) throw badRequest(`dataset: "${path}" is not an absolute path on the server`);
  if (!existsSync(path)) throw badRequest(`dataset: ${path} does not exist on the server`);
  if (!statSync(path).isDirectory()) throw badRequest(`dataset: ${path} is a file, not a folder`);
  const { base, layout } = await splitBase(path);
  const counter = { n: 0 };
  let train: number;
  let val = 0;
  let used: string[] | null = null;
  if (layout === 'flat') {
    train = await countImages(path, counter);
  } else {
    used = layout === 'kaggle' ? (classes ?? []).filter((c) => isDir(join(base, 'train', c))) : [];
    const count = async (split: string): Promise<number> => {
      if (!used || used.length === 0) return countImages(join(base, split), counter);
      let n = 0;
      for (const c of used) n += await countImages(join(base, split, c), counter);
      return n;
    };
    train = await count('train');
    val = isDir(join(base, 'val')) ? await count('val') : 0;
    if (used.length === 0) used = null;
  }
  if (train === 0) throw badRequest(`dataset: no PNG, JPEG, TIFF or DICOM images under ${layout === 'flat' ? path : join(base, 'train')}`);
  const holdout = val > 0 ? 0 : holdoutFor(train);
  const info = { path, layout, trainImages: train - holdout, valImages: val > 0 ? val : holdout || train, holdout, classes: used, truncated: counter.n >= MAX_FILES };
  return { ...info, description: describe(info) };
}

async function splitBase(path: string): Promise<{ base: string; layout: DatasetLayout }> {
  for (const base of [join(path, 'chest_xray'), path]) {
    const train = join(base, 'train');
    if (!isDir(train)) continue;
    const entries = await readdir(train, { withFileTypes: true });
    return { base, layout: entries.some((e) => e.isDirectory()) ? 'kaggle' : 'splits' };
  }
  return { base: path, layout: 'flat' };
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Image files under dir, recursively; stops at MAX_FILES over all calls sharing `counter`. */
async function countImages(dir: string, counter: { n: number }): Promise<number> {
  let found = 0;
  const stack = [dir];
  while (stack.length > 0 && counter.n < MAX_FILES) {
    const current = stack.pop()!;
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      continue; // unreadable subfolder: the trainer skips it too
    }
    for (const e of entries) {
      if (e.isDirectory()) stack.push(join(current, e.name));
      else if (e.isFile() && IMAGE.test(e.name)) {
        found++;
        if (++counter.n >= MAX_FILES) break;
      }
    }
  }
  return found;
}

function describe(i: Omit<DatasetInfo, 'description'>): string {
  const more = i.truncated ? '+' : '';
  const layout = { kaggle: 'Kaggle layout (train/val splits with class folders)', splits: 'train/ and val/ folders', flat: 'a flat folder' }[i.layout];
  const classes = i.classes ? `, classes ${i.classes.join(', ')}` : '';
  const val = i.holdout > 0 ? `${i.valImages} held out for validation` : i.layout === 'flat' ? `${i.valImages} (the same image) for validation` : `${i.valImages} for validation`;
  return `${layout}${classes}: ${i.trainImages}${more} images to train on, ${val}`;
}
