// A throwaway PostgreSQL 15 from Debian (`postgresql` package) on loopback for the tests: initdb
// into a temporary folder, `postgres` on a free port, trust authentication for one user, gone
// after. No systemd and no cluster of the package's own. PostgreSQL refuses to run as root, so
// as root it runs as the package's `postgres` user (runuser), owning only its temporary folder.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const BIN = '/usr/lib/postgresql/15/bin';

export interface TestPostgres {
  /** postgresql://sharpxr@127.0.0.1:<port>/<db> for a database created by createDatabase. */
  url(database: string): string;
  createDatabase(name: string): Promise<string>;
  /** Runs SQL (any number of statements) on one database. */
  query<T = Record<string, unknown>>(database: string, sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

function asOwner(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    }).on('error', reject);
  });
}

export async function startPostgres(): Promise<TestPostgres> {
  if (!existsSync(join(BIN, 'postgres'))) throw new Error(`${BIN}/postgres missing: bash scripts/install-system.sh --test installs postgresql`);
  const dir = mkdtempSync(join(tmpdir(), 'sharpxr-pg-'));
  if (process.getuid?.() === 0) {
    const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres']).toString()));
    chownSync(dir, uid!, gid!);
  }
  const data = join(dir, 'data');
  execFileSync(...asOwner(join(BIN, 'initdb'), ['-D', data, '-U', 'sharpxr', '-A', 'trust', '-E', 'UTF8', '--no-sync']), { stdio: 'pipe' });
  const port = await freePort();
  const [cmd, args] = asOwner(join(BIN, 'postgres'), ['-D', data, '-k', dir, '-h', '127.0.0.1', '-p', String(port), '-c', 'fsync=off']);
  // Its own process group: runuser does not pass signals on, so stop() signals the group.
  const server: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let log = '';
  server.stderr!.on('data', (d: Buffer) => { log = (log + d.toString()).slice(-4000); });
  const url = (database: string): string => `postgresql://sharpxr@127.0.0.1:${port}/${database}`;
  const query = async <T>(database: string, sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };
  for (let i = 0; ; i++) {
    try {
      await query('postgres', 'SELECT 1');
      break;
    } catch (err) {
      if (i > 100 || server.exitCode !== null) throw new Error(`postgres did not start: ${String(err)}\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    query,
    async createDatabase(name) {
      await query('postgres', `CREATE DATABASE "${name}"`);
      return url(name);
    },
    async stop() {
      if (server.exitCode === null) {
        const exited = new Promise((r) => server.once('exit', r));
        process.kill(-server.pid!, 'SIGINT'); // fast shutdown
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
