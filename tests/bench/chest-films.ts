// The adult chest DICOM films of ../shared/data/dicom/chest as the node feeds them to the model:
// decoded and mapped by the node's own decode and toModel, one copy per film, written as 16-bit
// PNGs (what `python3 -m training` reads). Shared by the cross-domain and self-supervised benches.
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { repoRoot } from '../../server/src/config/index.js';
import { writePng } from '../../server/src/imaging/index.js';
import { decodeInstance, initDecoders, type DecodedImage } from '../../server/src/pipeline/decode/index.js';
import { toModel } from '../../server/src/pipeline/normalize/index.js';

export const chestDicom = join(repoRoot(), '..', 'shared', 'data', 'dicom', 'chest');

export interface ChestFilm { readonly file: string; readonly bytes: number; readonly image: DecodedImage }

/**
 * One decoded copy per film. A film stored in several syntaxes (same study and size) counts
 * once, from its least-compressed copy: lossless before lossy, then the larger file (RG1 comes
 * as lossy J2K and near-lossless JPEG-LS), as coding changes the clean reference.
 */
export async function chestFilms(): Promise<ChestFilm[]> {
  await initDecoders();
  const films = new Map<string, ChestFilm>();
  for (const file of readdirSync(chestDicom).sort()) {
    const { parsed, image } = await decodeInstance(join(chestDicom, file));
    const id = `${String(parsed.dataset['0020000D']?.Value?.[0] ?? file)}:${image.width}x${image.height}`;
    const bytes = statSync(join(chestDicom, file)).size;
    const kept = films.get(id);
    const better = !kept || (kept.image.lossy && !image.lossy) || (kept.image.lossy === image.lossy && bytes > kept.bytes);
    if (better) films.set(id, { file, bytes, image });
  }
  return [...films.values()];
}

/** The films in the model's domain as 16-bit PNGs in `dir` (emptied first); one line per film.
 *  Pass `films` when the caller has decoded them already. */
export async function dicomAsModelInput(dir: string, films?: readonly ChestFilm[]): Promise<string[]> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const { file, image } of films ?? await chestFilms()) {
    const { data } = toModel(image.pixels, image);
    await writePng(join(dir, `${basename(file, '.dcm')}.png`), { width: image.width, height: image.height, pixels: data, bitDepth: 16 });
    written.push(`${file} ${image.width}x${image.height}${image.lossy ? ' (lossy)' : ''}`);
  }
  return written;
}
