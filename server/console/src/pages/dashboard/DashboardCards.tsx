// The dashboard's cards that are not time series: the node itself (model, provider, disk) and
// the first-run card that tells a new admin how to send the first image.
import { useState } from 'react';
import { Gauge } from '../../components/charts.js';
import { Badge, Button, Card } from '../../components/ui.js';
import { formatBytes } from '../../format.js';
import { Link } from '../../router.js';
import type { Dashboard } from './types.js';

/** CUDA stands out (the fast path); CPU is the quiet default. */
export function ProviderBadge({ provider }: { provider: string }) {
  const p = provider.toLowerCase();
  return <Badge value={p.includes('cuda') ? 'CUDA' : p === 'cpu' ? 'CPU' : provider} tone={p.includes('cuda') ? 'ok' : 'muted'} />;
}

export function SystemCard({ d }: { d: Dashboard }) {
  const { usedBytes, freeBytes, totalBytes, path } = d.disk;
  // As df counts it: blocks reserved for root are neither used nor free to the node, so the
  // share is of what it can use (used + free), and "free" is what it can still write.
  const usable = usedBytes + freeBytes;
  const low = usable > 0 && freeBytes / usable < 0.1;
  return (
    <Card title="Node">
      <dl className="props dash-props">
        <dt>Model</dt>
        <dd><strong>{d.model.name}</strong> <span className="muted">{d.model.version}</span></dd>
        <dt>Runs on</dt>
        <dd><ProviderBadge provider={d.provider} /> <span className="muted small">execution provider</span></dd>
      </dl>
      <div className="dash-disk">
        <Gauge title="Disk use of the data folder" value={usedBytes} max={usable} format={formatBytes}>
          <div><strong>{formatBytes(freeBytes)}</strong> free · {formatBytes(usedBytes)} used</div>
          {totalBytes > usable * 1.02 && <div className="small">of a {formatBytes(totalBytes)} disk ({formatBytes(totalBytes - usable)} reserved)</div>}
          <div className="mono small" title="the node's data folder">{path}</div>
          {low && <div className="dash-warn">Less than 10 % free: lower the retention in Settings or add space.</div>}
        </Gauge>
      </div>
    </Card>
  );
}

export function WelcomeCard({ node }: { node: Dashboard['node'] }) {
  const ae = node?.aeTitle ?? 'SHARPXR';
  const port = node?.port ?? 11112;
  const command = `storescu -aec ${ae} ${window.location.hostname || 'localhost'} ${port} file.dcm`;
  const [copied, setCopied] = useState(false);
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(command);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      // No clipboard (plain HTTP): the command stays selectable.
    }
  };
  return (
    <Card className="dash-welcome">
      <h2>No images yet</h2>
      <p className="muted">
        This node has not received a radiograph. Send one from a modality, a PACS or the command line, and its job
        appears here and on the <Link to="/jobs">Jobs</Link> page within seconds:
      </p>
      <div className="dash-command">
        <code data-testid="storescu-command">{command}</code>
        <Button variant="ghost" className="btn-small" onClick={() => void copy()}>{copied ? 'Copied' : 'Copy'}</Button>
      </div>
      <p className="muted small">
        The node answers as AE title <code>{ae}</code> on port <code>{port}</code>. Add the PACS that should receive the
        denoised images under <Link to="/destinations">Destinations</Link>.
      </p>
    </Card>
  );
}
