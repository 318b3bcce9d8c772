// The rule set as a form: one card per rule, its conditions as fields, read aloud underneath,
// the node's validation messages (which name the rule and field) next to the field they are
// about. Rules are tried in order and the first that matches names the job, so order counts.
import { Button, Field, TextInput } from '../../components/ui.js';
import { describeRule, emptyRow, EMPTY_TOKEN, LABELS, rawOf, type RuleField, type RuleRow } from './model.js';

/** Problems by rule index: per field, and the ones about the rule as a whole. */
export type RuleIssues = Map<number, { fields: Partial<Record<RuleField, string>>; rule: string[] }>;

const HINTS: Partial<Record<RuleField, string>> = {
  modality: 'Comma-separated, e.g. CR, DX. Blank: any.',
  bodyPartExamined: `e.g. CHEST; ${EMPTY_TOKEN} matches an absent or empty value. Blank: any.`,
  viewPosition: `e.g. PA, AP, LL; ${EMPTY_TOKEN} for absent. Blank: any.`,
  seriesDescription: 'A regular expression, case-insensitive. Blank: any.',
  sopClassUid: 'Exact UIDs, comma-separated. Blank: any.',
};
const CONDITIONS: readonly RuleField[] = ['modality', 'bodyPartExamined', 'viewPosition', 'seriesDescription', 'sopClassUid'];

export function RuleEditor({ rows, onChange, issues }: { rows: RuleRow[]; onChange: (rows: RuleRow[]) => void; issues: RuleIssues }) {
  const update = (i: number, field: RuleField, value: string): void => onChange(rows.map((r, j) => (j === i ? { ...r, [field]: value } : r)));
  const move = (i: number, by: -1 | 1): void => {
    const next = [...rows];
    const [row] = next.splice(i, 1);
    next.splice(i + by, 0, row!);
    onChange(next);
  };
  return (
    <div className="rule-list">
      {rows.length === 0 && <p className="muted">No rules: nothing would be selected. Add one (the node refuses an empty list).</p>}
      {rows.map((row, i) => {
        const problems = issues.get(i);
        return (
          <fieldset className={`rule-card ${problems ? 'rule-card-error' : ''}`} key={row.key} data-rule-index={i}>
            <legend className="sr-only">Rule {i + 1}</legend>
            <div className="rule-head">
              <span className="rule-order" aria-hidden="true">{i + 1}</span>
              <Field label="Rule name" error={problems?.fields.name}>
                {(id) => <TextInput id={id} name={`rules.${i}.name`} value={row.name} onChange={(e) => update(i, 'name', e.target.value)} placeholder="chest" />}
              </Field>
              <div className="rule-tools">
                <Button className="btn-small" variant="ghost" disabled={i === 0} onClick={() => move(i, -1)} aria-label={`Move rule ${i + 1} up`}>↑</Button>
                <Button className="btn-small" variant="ghost" disabled={i === rows.length - 1} onClick={() => move(i, 1)} aria-label={`Move rule ${i + 1} down`}>↓</Button>
                <Button className="btn-small" onClick={() => onChange(rows.filter((_, j) => j !== i))}>Remove</Button>
              </div>
            </div>
            <div className="rule-grid">
              {CONDITIONS.map((field) => (
                <Field key={field} label={LABELS[field]} hint={HINTS[field]} error={problems?.fields[field]}>
                  {(id) => <TextInput id={id} name={`rules.${i}.${field}`} value={row[field as keyof RuleRow] as string} onChange={(e) => update(i, field, e.target.value)} />}
                </Field>
              ))}
            </div>
            {problems?.rule.map((p) => <div className="field-message" key={p}>{p}</div>)}
            <p className="rule-says muted small">Matches when {describeRule(rawOf([row])[0]!)}.</p>
          </fieldset>
        );
      })}
      <Button onClick={() => onChange([...rows, emptyRow()])}>Add a rule</Button>
    </div>
  );
}

/** The rules read aloud, for those who may not change them. */
export function RuleList({ raw }: { raw: unknown }) {
  const rules = Array.isArray(raw) ? (raw as Record<string, unknown>[]) : [];
  if (rules.length === 0) return <p className="muted">No rules.</p>;
  return (
    <ol className="rule-read">
      {rules.map((r, i) => (
        <li key={i}>
          <strong>{String(r.name ?? `rule ${i + 1}`)}</strong>: {describeRule(r)}.
        </li>
      ))}
    </ol>
  );
}
