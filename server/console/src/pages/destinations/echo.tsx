// "Test connection": a C-ECHO the node makes (POST /api/destinations/echo for a form,
// /:name/echo for a saved destination), and its answer as a person reads it: ok, refused
// (nothing listening), timeout (no answer), rejected (the PACS said no, and why), with the
// round-trip time and the node's own words.
import { api } from '../../api.js';
import { Badge } from '../../components/ui.js';
import { formatMs } from '../../format.js';

export interface EchoAnswer {
  readonly ok: boolean;
  readonly status: number | null;
  readonly ms: number;
  readonly error: string | null;
  readonly retryable: boolean | null;
  readonly callingAeTitle: string;
  readonly destination: { readonly name: string; readonly aeTitle: string; readonly host: string; readonly port: number };
}

export type EchoOutcome = 'ok' | 'refused' | 'timeout' | 'rejected' | 'failed';

/** The kind of answer, from the node's message (export/classify.ts words each kind). */
export function outcomeOf(answer: EchoAnswer): EchoOutcome {
  if (answer.ok) return 'ok';
  const e = answer.error ?? '';
  if (/connection refused/i.test(e)) return 'refused';
  if (/no answer within|timed? ?out/i.test(e)) return 'timeout';
  if (/rejected/i.test(e)) return 'rejected';
  return 'failed';
}

const TONE = { ok: 'ok', refused: 'bad', timeout: 'warn', rejected: 'bad', failed: 'bad' } as const;
const SAYS: Record<EchoOutcome, string> = {
  ok: 'answered the C-ECHO',
  refused: 'nothing accepted the connection: is the PACS running, and is the port right?',
  timeout: 'no answer in time: a firewall, a wrong host, or an overloaded PACS',
  rejected: 'the PACS refused the association: check the AE titles it knows',
  failed: 'the test failed',
};

export function echoSaved(name: string): Promise<EchoAnswer> {
  return api<EchoAnswer>(`/api/destinations/${encodeURIComponent(name)}/echo`, { method: 'POST' });
}

export function echoValues(values: { name?: string; aeTitle: string; host: string; port: string | number }): Promise<EchoAnswer> {
  return api<EchoAnswer>('/api/destinations/echo', { json: values });
}

/** One test's answer, inline (a row of the table, or under the form). */
export function EchoResult({ answer }: { answer: EchoAnswer }) {
  const outcome = outcomeOf(answer);
  const d = answer.destination;
  return (
    <div className={`echo echo-${outcome}`} role="status" data-testid="echo-result" data-outcome={outcome}>
      <div className="echo-head">
        <Badge value={outcome} tone={TONE[outcome]} />
        <span className="num">{formatMs(answer.ms)}</span>
        <span className="muted">{SAYS[outcome]}</span>
      </div>
      {answer.error && <div className="echo-error">{answer.error}</div>}
      <div className="muted small">
        {answer.callingAeTitle} → {d.aeTitle}@{d.host}:{d.port}
        {answer.status !== null && answer.status !== 0 && ` · status 0x${answer.status.toString(16).padStart(4, '0')}`}
      </div>
    </div>
  );
}
