// What the engine is doing right now, as a bar and a sentence.
import { formatBytes } from '../../format.js';
import type { Stage } from './run.js';

export function TryProgress({ stage, threads }: { stage: Stage; threads: number }) {
  const [value, max, text] = describe(stage, threads);
  return (
    <div className="try-progress" role="status" aria-live="polite" data-testid="try-progress">
      <progress value={value} max={max} aria-label={text} />
      <span>{text}</span>
    </div>
  );
}

function describe(s: Stage, threads: number): [number | undefined, number, string] {
  switch (s.step) {
    case 'model': return [s.done, s.total, `Downloading the model from the node: ${formatBytes(s.done)} of ${formatBytes(s.total)}`];
    case 'session': return [undefined, 1, `Preparing the model in WebAssembly (${threads} thread${threads === 1 ? '' : 's'})…`];
    case 'tiles': return [s.done, s.total, s.total > 1 ? `Denoising in this browser: tile ${Math.min(s.done + 1, s.total)} of ${s.total}` : 'Denoising in this browser…'];
    default: return [undefined, 1, 'The node is denoising the file…'];
  }
}
