// `sharpxr instances [--status skipped|selected]`: what the node received, and for the skipped
// ones the rule's reason, so an administrator can see why an image was not processed.
import { parseArgs } from 'node:util';
import type { Command } from './command.js';
import { withNodeDatabase } from './node-database.js';

const HELP = `usage: sharpxr instances [--status selected|skipped] [--limit <n>] [--config <file>]

Lists received instances, newest first: SOP Instance UID, status, modality, body part, view,
and for skipped ones the reason.`;

export const instancesCommand: Command = {
  name: 'instances',
  summary: 'list received instances, with the reason for the skipped ones',
  async run(args, io) {
    const { values } = parseArgs({
      args: [...args],
      options: { config: { type: 'string' }, status: { type: 'string' }, limit: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      io.out(HELP);
      return 0;
    }
    if (values.status !== undefined && values.status !== 'selected' && values.status !== 'skipped') {
      io.err(`sharpxr instances: --status must be selected or skipped\n\n${HELP}`);
      return 2;
    }
    return withNodeDatabase(values.config, async (db) => {
      const rows = await db.instance.findMany({
        where: values.status ? { status: values.status } : {},
        orderBy: { receivedAt: 'desc' }, take: Number(values.limit ?? 100),
      });
      for (const r of rows) {
        io.out([r.sopInstanceUid, r.status, r.modality ?? '', r.bodyPartExamined ?? '', r.viewPosition ?? '', r.skipReason ?? ''].join('\t').trimEnd());
      }
      return 0;
    });
  },
};
