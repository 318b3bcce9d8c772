// The run's curves: generator and discriminator losses (log scale; stage 2 continues stage 1's
// step axis) and validation PSNR / SSIM of the output against the noisy input's.
import { Card } from '../../components/ui.js';
import { StepChart } from './StepChart.js';
import type { RunDetail } from './types.js';

const COLORS = { g: '#4ea1ff', d: '#d29922', out: '#3fb950', noisy: '#8b95a5' };

export function RunCharts({ run }: { run: RunDetail }) {
  const gan = run.stageProgress.some((s) => s.stage === 2);
  const s1 = run.stageProgress.find((s) => s.stage === 1);
  const divider = gan && s1 ? (s1.totalSteps ?? s1.step) : null;
  const g = run.losses.map((l) => ({ x: l.x, y: l.g }));
  const d = run.losses.filter((l) => l.d !== null).map((l) => ({ x: l.x, y: l.d! }));
  const val = (key: 'psnr' | 'ssim' | 'psnrNoisy' | 'ssimNoisy') => run.val.map((v) => ({ x: v.x, y: v[key] }));
  return (
    <div className="grid grid-2 run-charts">
      <Card title="Losses" actions={<span className="muted small">log scale</span>}>
        <StepChart title="Generator and discriminator loss" log height={340} divider={divider} format={(v) => v.toPrecision(2)}
          series={[
            { key: 'g', label: 'G (sum of its loss terms)', color: COLORS.g, points: g },
            ...(gan ? [{ key: 'd', label: 'D (real/fake, LSGAN)', color: COLORS.d, points: d }] : []),
          ]}
          emptyText="The first losses appear after the first logged step" />
      </Card>
      <Card title="Validation">
        <div className="val-charts">
          <StepChart title="Validation PSNR" height={150} divider={divider} format={(v) => v.toFixed(1)}
            series={[{ key: 'psnr', label: 'PSNR output (dB)', color: COLORS.out, points: val('psnr') }, { key: 'psnrNoisy', label: 'PSNR noisy input', color: COLORS.noisy, points: val('psnrNoisy'), dashed: true }]}
            emptyText="PSNR appears at the first validation" />
          <StepChart title="Validation SSIM" height={150} divider={divider} format={(v) => v.toFixed(3)}
            series={[{ key: 'ssim', label: 'SSIM output', color: COLORS.out, points: val('ssim') }, { key: 'ssimNoisy', label: 'SSIM noisy input', color: COLORS.noisy, points: val('ssimNoisy'), dashed: true }]}
            emptyText="SSIM appears at the first validation" />
        </div>
      </Card>
    </div>
  );
}
