// Which received instances are denoised. The rules in force come from the console, else the
// config file, else the built-in chest rules; a save applies to the next received instance
// (no restart) and is audited; "back to the file" drops the console's set. The node validates
// with the config file's parser and names each problem by its path (rules[1].modality).
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { api, useApi } from '../../api.js';
import { useAuth } from '../../auth.js';
import { Badge, Button, Card, ConfirmButton, ErrorBanner, Loading, Notice, PageHeader, useAction } from '../../components/ui.js';
import { relativeTime } from '../../format.js';
import type { PageProps } from '../index.js';
import { issuesOf, leftover } from '../settings/issues.js';
import { pathOf, rawOf, rowsOf, sameRules, type RuleRow } from './model.js';
import { RuleEditor, RuleList, type RuleIssues } from './RuleEditor.js';
import { RuleTest } from './RuleTest.js';
import './rules.css';

interface RulesView {
  readonly source: 'console' | 'config' | 'default';
  readonly rules: unknown;
  readonly yaml: string;
  readonly updatedAt: string | null;
  readonly updatedBy: string | null;
  readonly ignoredConsoleRules: string[] | null;
  readonly configRules: unknown;
  readonly defaultRules: unknown;
}

const SOURCE: Record<RulesView['source'], string> = { console: 'console', config: 'config file', default: 'built-in' };

/** The node's problems placed on their rule and field; the rest for the banner. */
function placeIssues(error: Error | undefined): { byRule: RuleIssues; rest: string[] } {
  const byRule: RuleIssues = new Map();
  const rest: string[] = [];
  for (const issue of issuesOf(error)) {
    const at = pathOf(issue);
    if (!at) {
      rest.push(issue);
      continue;
    }
    const entry = byRule.get(at.index) ?? { fields: {}, rule: [] };
    if (at.field) entry.fields[at.field] = entry.fields[at.field] ? `${entry.fields[at.field]}; ${issue}` : issue;
    else entry.rule.push(issue);
    byRule.set(at.index, entry);
  }
  return { byRule, rest };
}

export default function RulesPage(_props: PageProps) {
  const { can } = useAuth();
  const operator = can('operator');
  const view = useApi<RulesView>('/api/rules');
  const [rows, setRows] = useState<RuleRow[]>([]);
  const [saved, setSaved] = useState<string>();
  useEffect(() => {
    if (view.data) setRows(rowsOf(view.data.rules));
  }, [view.data]);
  const dirty = !!view.data && !sameRules(rows, view.data.rules);
  const save = useAction(async () => {
    setSaved(undefined);
    await api('/api/rules', { method: 'PUT', json: { rules: rawOf(rows) } });
    setSaved('Saved: the next received instance is selected by these rules.');
    view.reload();
  });
  const placed = useMemo(() => placeIssues(save.error), [save.error]);
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void save.run();
  };
  const data = view.data;
  return (
    <>
      <PageHeader title="Selection rules" subtitle="Which received images are denoised. An instance is processed when any rule matches; a rule matches when all of its conditions hold." />
      <ErrorBanner error={view.error} title="Could not load the rules" />
      {!data ? (
        view.loading && <Loading />
      ) : (
        <>
          <SourceLine data={data} operator={operator} onReset={async () => {
            await api('/api/rules', { method: 'DELETE' });
            setSaved(undefined);
            view.reload();
          }} />
          {data.ignoredConsoleRules && (
            <Notice kind="warn">
              <strong>The rules saved in the console are ignored</strong>
              <span>They no longer validate, so the {SOURCE[data.source]} rules apply: {data.ignoredConsoleRules.join('; ')}</span>
            </Notice>
          )}
          <div className="rules-layout">
            <Card title="Rules in force">
              {operator ? (
                <form onSubmit={submit} noValidate aria-label="Selection rules">
                  <RuleEditor rows={rows} onChange={(r) => { setRows(r); setSaved(undefined); }} issues={placed.byRule} />
                  <ErrorBanner error={leftover(save.error, placed.rest)} title="Not saved" />
                  {saved && !dirty && <Notice kind="ok">{saved}</Notice>}
                  <div className="form-actions">
                    <Button type="submit" variant="primary" busy={save.busy} disabled={!dirty}>Save rules</Button>
                    <Button variant="ghost" disabled={!dirty} onClick={() => { setRows(rowsOf(data.rules)); save.clearError(); }}>Discard changes</Button>
                    {dirty && <span className="muted small">Unsaved changes: the test below uses them.</span>}
                  </div>
                </form>
              ) : (
                <>
                  <RuleList raw={data.rules} />
                  <p className="muted small">Read-only: changing and testing the rules needs the operator role.</p>
                </>
              )}
            </Card>
            <div>
              {operator && <RuleTest proposed={dirty ? rawOf(rows) : undefined} />}
              <Card title="In force, as YAML (for a config file)">
                <pre className="yaml" data-testid="rules-yaml">{data.yaml}</pre>
              </Card>
            </div>
          </div>
        </>
      )}
    </>
  );
}

function SourceLine({ data, operator, onReset }: { data: RulesView; operator: boolean; onReset: () => Promise<void> }) {
  const back = data.configRules ? "the config file's rules" : 'the built-in chest rules';
  return (
    <div className="source-line">
      <span>From</span>
      <Badge value={SOURCE[data.source]} tone={data.source === 'console' ? 'info' : 'muted'} />
      {data.source === 'console' && data.updatedAt && <span className="muted">saved {relativeTime(data.updatedAt)}{data.updatedBy && ` by ${data.updatedBy}`}</span>}
      {data.source !== 'console' && <span className="muted">{data.source === 'config' ? <>its <code>rules:</code> list. Saving here takes over; the file's rules stay the default to come back to.</> : <>there is no <code>rules:</code> list in the config file, so the built-in chest rules apply.</>}</span>}
      {operator && data.source === 'console' && (
        <ConfirmButton label={`Back to ${data.configRules ? 'the config file' : 'the built-in rules'}`} confirm="Drop the console's rules?" variant="danger"
          detail={<p>The next received instance is selected by {back} again. The console's rules are deleted (the audit log keeps them).</p>} onConfirm={onReset} />
      )}
    </div>
  );
}
