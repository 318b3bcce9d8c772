// `sharpxr feedback [--model <id>[@<version>]] [--json]`: what readers said of the derived
// series in the viewer (POST /api/feedback), newest first, and the accept/reject tally per model
// version, the figure that tells whether a model version should stay in service.
import { parseArgs } from 'node:util';
import { listFeedback, parseModelFilter, type FeedbackList } from '../viewer/feedback-query.js';
import type { Command, Io } from './command.js';
import { withNodeDatabase } from './node-database.js';

const HELP = `usage: sharpxr feedback [--model <id>[@<version>]] [--limit <n>] [--json] [--config <file>]

Lists readers' verdicts from the viewer, newest first (time, verdict, model@version, derived
series, job, reason), then per model version: accepted, rejected and the share accepted.
The tally counts everything that matches --model, not only the --limit rows shown (default 100).
--json prints the same as GET /api/feedback: {items, summary:{total, accept, reject, byVersion}}.`;

export const feedbackCommand: Command = {
  name: 'feedback',
  summary: 'readers\' accept/reject verdicts from the viewer, tallied per model version',
  async run(args, io) {
    const { values } = parseArgs({
      args: [...args],
      options: { config: { type: 'string' }, model: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      io.out(HELP);
      return 0;
    }
    const limit = values.limit === undefined ? 100 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return usage(io, '--limit must be a whole number from 1 to 1000');
    if (values.model !== undefined && !/^[^@]+(@.+)?$/.test(values.model)) return usage(io, '--model must be <id> or <id>@<version>');
    const filter = values.model === undefined ? {} : parseModelFilter(values.model);
    return withNodeDatabase(values.config, async (db) => {
      const list = await listFeedback(db, { ...filter, limit });
      if (values.json) io.out(JSON.stringify(list, null, 2));
      else printList(list, io);
      return 0;
    });
  },
};

function usage(io: Io, problem: string): number {
  io.err(`sharpxr feedback: ${problem}\n\n${HELP}`);
  return 2;
}

function printList(list: FeedbackList, io: Io): void {
  if (list.items.length === 0) io.out('no feedback recorded');
  for (const f of list.items) {
    // A typed reason may hold tabs and newlines: one line per verdict keeps the output greppable.
    const reason = (f.reason ?? '').replace(/\s+/g, ' ').trim();
    io.out([f.at, f.verdict, `${f.modelId}@${f.modelVersion}`, f.seriesInstanceUid, f.jobId ?? '-', reason].join('\t').trimEnd());
  }
  io.out('');
  for (const [version, t] of Object.entries(list.summary.byVersion).sort(([a], [b]) => a.localeCompare(b))) {
    io.out(tallyLine(version, t.accept, t.reject));
  }
  io.out(tallyLine('total', list.summary.accept, list.summary.reject));
}

function tallyLine(label: string, accept: number, reject: number): string {
  const total = accept + reject;
  const share = total === 0 ? '-' : `${((100 * accept) / total).toFixed(1)}%`;
  return `${label}\taccept=${accept}\treject=${reject}\taccepted=${share}`;
}
