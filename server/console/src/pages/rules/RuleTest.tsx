// "Would this be processed, and why": a stored instance (picked from the recent ones) run
// through the rules in the editor (unsaved) or the saved ones, with every rule's finding.
import { useEffect, useState, type FormEvent } from 'react';
import { api, useApi } from '../../api.js';
import { Badge, Button, Card, EmptyState, ErrorBanner, Field, Loading, Select, useAction } from '../../components/ui.js';
import { relativeTime, shortUid } from '../../format.js';

interface RecentInstance {
  readonly id: string;
  readonly sopInstanceUid: string;
  readonly modality: string | null;
  readonly bodyPartExamined: string | null;
  readonly viewPosition: string | null;
  readonly seriesDescription: string | null;
  readonly status: string;
  readonly receivedAt: string;
}

interface TestAnswer {
  readonly selected: boolean;
  readonly rule: string | null;
  readonly reason: string;
  readonly checks: { rule: string; matched: boolean; mismatches: string[] }[];
  readonly ruleSet: 'proposed' | 'console' | 'config' | 'default';
  readonly instance: { sopInstanceUid: string; modality: string | null; bodyPartExamined: string | null; viewPosition: string | null; seriesDescription: string | null; recorded: { status: string; skipReason: string | null } };
}

const RULE_SET: Record<TestAnswer['ruleSet'], string> = {
  proposed: 'the rules in the editor (not saved)', console: 'the saved console rules', config: "the config file's rules", default: 'the built-in rules',
};

function label(i: RecentInstance): string {
  const facts = [i.modality ?? 'no modality', i.bodyPartExamined || 'no body part', i.viewPosition || 'no view'].join(' · ');
  return `${facts}${i.seriesDescription ? ` · “${i.seriesDescription}”` : ''} — ${relativeTime(i.receivedAt)} (${i.status})`;
}

/** `proposed`: the editor's rules when they differ from the saved ones, else undefined. */
export function RuleTest({ proposed }: { proposed: unknown[] | undefined }) {
  const recent = useApi<{ items: RecentInstance[] }>('/api/rules/recent-instances?limit=50');
  const [instanceId, setInstanceId] = useState('');
  const [answer, setAnswer] = useState<TestAnswer>();
  const items = recent.data?.items ?? [];
  useEffect(() => {
    if (!instanceId && items[0]) setInstanceId(items[0].id);
  }, [items, instanceId]);
  // An answer about other rules than the ones now in the editor would mislead.
  const rulesKey = JSON.stringify(proposed ?? null);
  useEffect(() => setAnswer(undefined), [rulesKey]);
  const test = useAction(async () => {
    setAnswer(undefined);
    setAnswer(await api<TestAnswer>('/api/rules/test', { json: { instanceId, ...(proposed ? { rules: proposed } : {}) } }));
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (instanceId) void test.run();
  };
  return (
    <Card title="Test against a stored instance" actions={<Button className="btn-small" variant="ghost" onClick={recent.reload} busy={recent.loading}>Refresh</Button>}>
      <ErrorBanner error={recent.error} title="Could not list the stored instances" />
      {recent.loading && !recent.data ? (
        <Loading />
      ) : items.length === 0 ? (
        <EmptyState title="No stored instances yet">Send an image to the node (C-STORE) and test the rules against it here.</EmptyState>
      ) : (
        <form className="rule-test-form" onSubmit={submit}>
          <Field label="Instance (header facts only; newest first)">
            {(id) => (
              <Select id={id} name="instance" value={instanceId} onChange={(e) => setInstanceId(e.target.value)}>
                {items.map((i) => <option key={i.id} value={i.id}>{label(i)}</option>)}
              </Select>
            )}
          </Field>
          <Button type="submit" variant="primary" busy={test.busy}>{proposed ? 'Test the unsaved rules' : 'Test the saved rules'}</Button>
        </form>
      )}
      <ErrorBanner error={test.error} title="The test did not run" />
      {answer && <TestResult answer={answer} />}
    </Card>
  );
}

function TestResult({ answer }: { answer: TestAnswer }) {
  const rec = answer.instance.recorded;
  return (
    <div className="rule-result" data-testid="rule-test-result" data-selected={answer.selected}>
      <div className={`verdict verdict-${answer.selected ? 'yes' : 'no'}`}>
        <strong>{answer.selected ? `Would be processed (rule “${answer.rule}”)` : 'Would be skipped'}</strong>
        <span>{answer.reason}</span>
        <span className="muted small">Tested with {RULE_SET[answer.ruleSet]} · SOP Instance UID <span title={answer.instance.sopInstanceUid}>{shortUid(answer.instance.sopInstanceUid)}</span></span>
      </div>
      <table className="table checks">
        <thead><tr><th>Rule</th><th>Finding</th></tr></thead>
        <tbody>
          {answer.checks.map((c) => (
            <tr key={c.rule}>
              <td><strong>{c.rule}</strong></td>
              <td>
                {c.matched ? <Badge value="matches" tone="ok" /> : <Badge value="no match" tone="muted" />}
                {c.mismatches.length > 0 && <ul className="mismatches">{c.mismatches.map((m) => <li key={m}>{m}</li>)}</ul>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">
        When it arrived, the rules then in force decided: <Badge value={rec.status} />{rec.skipReason && <> — {rec.skipReason.replace(/^skipped: /, '')}</>}
      </p>
    </div>
  );
}
