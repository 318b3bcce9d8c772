// `sharpxr user add|list|passwd|disable|enable`: local accounts of the console and API, made on
// the server itself. This is how the first admin comes to be without a setup screen, and how an
// admin who forgot their password gets back in. Passwords are never arguments (they would sit
// in the shell history and in `ps`): typed at a prompt, or read from stdin or a file.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createUser, isRole, listUsers, updateUser, type Role } from '../auth/index.js';
import { recordAudit, type Database } from '../db/index.js';
import { HttpError } from '../http/errors.js';
import type { Command, Io } from './command.js';
import { withNodeDatabase } from './node-database.js';

const HELP = `usage: sharpxr user add <name> [--admin | --role viewer|operator|admin] [--display-name <text>]
       sharpxr user passwd <name>
       sharpxr user disable|enable <name>
       sharpxr user list
options: --password-stdin (read the password from standard input) | --password-file <file>
         --config <file>

Without --password-stdin or --password-file the password is asked for twice (not echoed).
Passwords: at least 10 characters, not containing the user name.`;

const OPTIONS = {
  config: { type: 'string' }, admin: { type: 'boolean' }, role: { type: 'string' }, 'display-name': { type: 'string' },
  'password-stdin': { type: 'boolean' }, 'password-file': { type: 'string' }, help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

export const userCommand: Command = {
  name: 'user',
  summary: 'create and manage console accounts (the first admin: `sharpxr user add --admin <name>`)',
  async run(args, io) {
    const { values, positionals } = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true });
    if (values.help) {
      io.out(HELP);
      return 0;
    }
    const [action, name] = positionals;
    if (action === 'list') return withNodeDatabase(values.config, async (db) => list(db, io));
    if (!action || !['add', 'passwd', 'disable', 'enable'].includes(action) || !name) return usage(io, 'expected add, passwd, disable, enable or list, and a user name');
    const role = values.admin ? 'admin' : values.role ?? 'viewer';
    if (!isRole(role)) return usage(io, `--role must be viewer, operator or admin (got "${role}")`);
    try {
      return await withNodeDatabase(values.config, (db) => change(db, action, name.toLowerCase(), role, values, io));
    } catch (err) {
      if (err instanceof HttpError) {
        io.err(`sharpxr user: ${err.message}`);
        return 1;
      }
      throw err;
    }
  },
};

async function change(db: Database, action: string, username: string, role: Role, values: Values, io: Io): Promise<number> {
  if (action === 'add') {
    const password = await readPassword(values);
    const user = await createUser(db, { username, password, role, displayName: values['display-name'] });
    await audit(db, 'user.create', username, { role });
    io.out(`created ${user.role} "${user.username}"`);
    return 0;
  }
  const row = await db.user.findUnique({ where: { username } });
  if (!row) throw new HttpError(404, `no user "${username}" (sharpxr user list)`);
  if (action === 'passwd') {
    await updateUser(db, row.id, { password: await readPassword(values) });
    await audit(db, 'user.password', username, {});
    io.out(`password of "${username}" changed; their sessions were ended`);
    return 0;
  }
  const disabled = action === 'disable';
  await updateUser(db, row.id, { disabled });
  await audit(db, disabled ? 'user.disable' : 'user.enable', username, {});
  io.out(`"${username}" ${disabled ? 'disabled' : 'enabled'}`);
  return 0;
}

async function list(db: Database, io: Io): Promise<number> {
  const users = await listUsers(db);
  if (users.length === 0) io.out('no accounts yet: sharpxr user add --admin <name>');
  for (const u of users) {
    io.out([u.username, u.role, u.disabled ? 'disabled' : 'enabled', u.lastLoginAt?.toISOString() ?? 'never logged in', u.displayName ?? ''].join('\t').trimEnd());
  }
  return 0;
}

function audit(db: Database, action: string, username: string, detail: Record<string, unknown>) {
  // The CLI runs on the server: the operating-system account is who did it.
  return recordAudit(db, { actor: `cli:${userInfo().username}`, action, subject: `user:${username}`, detail });
}

async function readPassword(values: Values): Promise<string> {
  if (values['password-file']) return readFileSync(values['password-file'], 'utf8').replace(/\r?\n$/, '');
  if (values['password-stdin'] || !process.stdin.isTTY) return (await readAll(process.stdin)).replace(/\r?\n$/, '');
  const first = await prompt('password: ');
  const second = await prompt('again: ');
  if (first !== second) throw new HttpError(400, 'the two passwords differ');
  return first;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function prompt(question: string): Promise<string> {
  // Muted output: the prompt is written, the typed characters are not echoed.
  process.stderr.write(question);
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  return new Promise((resolve) => rl.question('', (answer) => {
    rl.close();
    process.stderr.write('\n');
    resolve(answer);
  }));
}

function usage(io: Io, problem: string): number {
  io.err(`sharpxr user: ${problem}\n\n${HELP}`);
  return 2;
}
