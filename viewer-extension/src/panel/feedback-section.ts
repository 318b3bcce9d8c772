// Reader feedback on the denoised series on screen: accept or reject, with an optional reason,
// posted to the node (POST /api/feedback) with the series and the model version read from the
// derived object. The node keeps every verdict; the last one sent is shown here.
import type { ComparePair } from '../derived/pairing.js';
import { readProvenance } from '../derived/provenance.js';
import { text } from '../derived/values.js';
import { postFeedback, type FeedbackInput } from '../node-api.js';
import { h, styles } from './dom.js';

const sent = new Map<string, string>();

export function feedbackSection(pair: ComparePair): HTMLElement {
  const instance = pair.derived.instances?.[0] ?? pair.derived.instance ?? {};
  const provenance = readProvenance(instance);
  const seriesUid = pair.derived.SeriesInstanceUID;
  const reason = h('textarea', {
    rows: 2, maxLength: 1000, placeholder: 'Reason (optional): e.g. lost a fine line, looks plastic', 'data-sharpxr': 'feedback-reason',
    style: 'width:100%;box-sizing:border-box;margin-top:6px;padding:4px 6px;border:1px solid #3a4a5e;border-radius:4px;background:#0d141c;color:#e6edf3;font:12px system-ui,sans-serif;resize:vertical',
  });
  const status = h('p', { style: `${styles.muted};margin:6px 0 0`, 'data-sharpxr': 'feedback-status', role: 'status' }, sent.get(seriesUid) ?? '');
  const send = async (verdict: 'accept' | 'reject', buttons: HTMLButtonElement[]): Promise<void> => {
    const input: FeedbackInput = {
      seriesInstanceUid: seriesUid,
      studyInstanceUid: pair.derived.StudyInstanceUID,
      verdict,
      ...(text(instance.SOPInstanceUID) ? { sopInstanceUid: text(instance.SOPInstanceUID)! } : {}),
      ...(reason.value.trim() ? { reason: reason.value.trim() } : {}),
      ...(provenance.modelName ? { modelId: provenance.modelName } : {}),
      ...(provenance.modelVersion ? { modelVersion: provenance.modelVersion } : {}),
    };
    buttons.forEach((b) => (b.disabled = true));
    status.textContent = 'Sending…';
    try {
      const record = await postFeedback(input);
      const at = new Date(record.at ?? Date.now()).toLocaleTimeString();
      const line = `Recorded: ${verdict === 'accept' ? 'accepted' : 'rejected'} for ${record.modelId ?? provenance.modelName} ${record.modelVersion ?? provenance.modelVersion ?? ''} at ${at}.`;
      sent.set(seriesUid, line);
      status.textContent = line;
      status.style.color = '#8fd19e';
    } catch (err) {
      status.textContent = `Not recorded: ${err instanceof Error ? err.message : String(err)}. Try again.`;
      status.style.color = '#ffb4b4';
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
  };
  const accept = h('button', { type: 'button', style: `${styles.button};border-color:#3f7d4f`, 'data-sharpxr': 'feedback-accept' }, 'Accept');
  const reject = h('button', { type: 'button', style: `${styles.button};border-color:#8d3b3b`, 'data-sharpxr': 'feedback-reject' }, 'Reject');
  accept.addEventListener('click', () => void send('accept', [accept, reject]));
  reject.addEventListener('click', () => void send('reject', [accept, reject]));
  return h('div', { style: styles.section, 'data-sharpxr': 'feedback' },
    h('h3', { style: styles.heading }, 'Your verdict on this denoised series'),
    h('div', { style: 'display:flex;gap:6px' }, accept, reject),
    reason,
    status,
  );
}
