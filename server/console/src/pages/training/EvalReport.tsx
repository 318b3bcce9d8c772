// The evaluation a finished run gets (python -m training eval): PSNR / SSIM per noise setting
// for the noisy input, non-local means and each stage's generator, best per row in bold, and
// the grid of crops with their |error| maps.
import { Card } from '../../components/ui.js';
import { PixelImage } from './PixelImage.js';
import { plural, type RunDetail } from './types.js';

const METHOD: Record<string, string> = { noisy: 'Noisy input', nlm: 'Non-local means', stage1: 'Stage 1', gan: 'GAN' };

export function EvalReport({ run }: { run: RunDetail }) {
  const ev = run.evaluation!;
  return (
    <Card title="Evaluation" actions={<span className="muted small">{plural(ev.images, 'validation image')}, {ev.seconds} s</span>}>
      <div className="table-wrap">
        <table className="table eval-table" data-testid="eval-table">
          <thead>
            <tr><th>Noise</th>{ev.methods.map((m) => <th key={m} className="num">{METHOD[m] ?? m}</th>)}</tr>
          </thead>
          <tbody>
            {ev.settings.map((s) => {
              const best = Math.max(...ev.methods.map((m) => s.results[m]?.psnr ?? -Infinity));
              return (
                <tr key={s.key}>
                  <td>{s.label}</td>
                  {ev.methods.map((m) => {
                    const r = s.results[m];
                    return <td key={m} className={`num ${r && r.psnr === best ? 'best' : ''}`}>{r ? <>{r.psnr.toFixed(2)} dB<div className="muted small">SSIM {r.ssim.toFixed(3)} · sharpness {r.grad_ratio.toFixed(2)}</div></> : '—'}</td>;
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="muted small">Sharpness: mean gradient magnitude relative to the clean image (1.00 = as sharp). Non-local means has its strength tuned per setting.</p>
      <figure className="eval-grid">
        {/* The grid has two rows per setting (crops, then errors), in the table's order. */}
        <div className="eval-grid-rows">
          <ol className="eval-grid-labels" aria-hidden="true">{ev.settings.map((s) => <li key={s.key}>{s.label}</li>)}</ol>
          <PixelImage src={ev.gridUrl} maxWidth={720} maxZoom={2} alt="evaluation grid: each method's crop per noise setting and its error map" data-testid="eval-grid" />
        </div>
        <figcaption className="muted small">Per noise setting: the crops ({ev.methods.map((m) => METHOD[m] ?? m).join(', ')}, clean), then |image − clean| × 4.</figcaption>
      </figure>
    </Card>
  );
}
