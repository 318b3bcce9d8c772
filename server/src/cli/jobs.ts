// `sharpxr jobs [list|show|retry|send-held]`: look at the queue and act on it without the admin
// console (which does the same through the same queue).
import { parseArgs } from 'node:util';
import { jobSubject, listAudit, type Database } from '../db/index.js';
import { JOB_STATES, PrismaDeliveryLog, PrismaJobQueue, type JobState } from '../queue/index.js';
import type { Command, Io } from './command.js';
import { withNodeDatabase } from './node-database.js';

const HELP = `usage: sharpxr jobs list [--state <state>] [--limit <n>] [--config <file>]
       sharpxr jobs show <job id> [--config <file>]      the job, its deliveries and its audit trail (JSON)
       sharpxr jobs retry <job id>... [--config <file>]
       sharpxr jobs retry --all-dead [--config <file>]
       sharpxr jobs send-held <job id>... [--config <file>]   send images the guard held, marked GUARD

states: ${JOB_STATES.join(', ')}`;

export const jobsCommand: Command = {
  name: 'jobs',
  summary: 'list jobs, retry dead-lettered ones, send guard-held ones anyway',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args], allowPositionals: true,
      options: { config: { type: 'string' }, state: { type: 'string' }, limit: { type: 'string' }, 'all-dead': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    const [action, ...ids] = positionals;
    if (values.help || !['list', 'show', 'retry', 'send-held'].includes(action ?? '')) {
      (values.help ? io.out : io.err)(HELP);
      return values.help ? 0 : 2;
    }
    return withNodeDatabase(values.config, async (db) => {
      const queue = new PrismaJobQueue(db);
      if (action === 'list') return list(queue, io, values.state, values.limit);
      if (action === 'show') return show(db, ids, io);
      if (action === 'send-held') {
        for (const id of ids) io.out(`${(await queue.sendHeld(id, actor())).id} queued (guard override)`);
        return 0;
      }
      const targets = values['all-dead'] ? (await queue.list({ state: 'dead', limit: 10_000 })).map((j) => j.id) : ids;
      for (const id of targets) {
        const job = await queue.retry(id, actor());
        io.out(`${job.id} ${job.state}`);
      }
      return 0;
    });
  },
};

async function show(db: Database, ids: readonly string[], io: Io): Promise<number> {
  if (ids.length !== 1) {
    io.err('sharpxr jobs show: give one job id');
    return 2;
  }
  const job = await db.job.findUnique({ where: { id: ids[0] } });
  if (!job) {
    io.err(`sharpxr jobs show: no job ${ids[0]}`);
    return 1;
  }
  const { timingsJson, ...fields } = job;
  io.out(JSON.stringify({
    ...fields, timingsMs: timingsJson ? JSON.parse(timingsJson) : null,
    deliveries: await new PrismaDeliveryLog(db).list(job.id),
    audit: await listAudit(db, { subject: jobSubject(job.id) }),
  }, null, 2));
  return 0;
}

function actor(): string {
  return `cli:${process.env.USER ?? 'unknown'}`;
}

async function list(queue: PrismaJobQueue, io: Io, state: string | undefined, limit: string | undefined): Promise<number> {
  if (state !== undefined && !(JOB_STATES as readonly string[]).includes(state)) {
    io.err(`sharpxr jobs: unknown state "${state}" (${JOB_STATES.join(', ')})`);
    return 2;
  }
  const jobs = await queue.list({ ...(state ? { state: state as JobState } : {}), limit: Number(limit ?? 100) });
  for (const j of jobs) {
    const state = j.held ? `${j.state} (held by the guard)` : j.state;
    io.out([j.id, state, `attempts=${j.attempts}/${j.maxAttempts}`, j.sopInstanceUid, j.lastError ?? ''].join('\t').trimEnd());
  }
  return 0;
}
