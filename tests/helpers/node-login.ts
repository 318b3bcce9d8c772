// Logging in to a node started as a child process: the account is made the way an admin makes
// one on the server (`sharpxr user add`, on the node's own config), then logged in over HTTP.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../server/src/cli/index.js';
import type { NodeProcess } from './node-process.js';

export interface NodeSession {
  readonly username: string;
  readonly password: string;
  /** The session cookie's value. */
  readonly cookie: string;
  readonly csrfToken: string;
  /** cookie + X-CSRF-Token, for fetch. */
  readonly headers: Record<string, string>;
}

let counter = 0;
export const NODE_TEST_PASSWORD = 'node test password 1';

export async function createNodeUser(node: Pick<NodeProcess, 'configFile'>, role: 'viewer' | 'operator' | 'admin', username = `${role}-${process.pid}-${++counter}`): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sharpxr-pw-'));
  try {
    const file = join(dir, 'pw');
    writeFileSync(file, NODE_TEST_PASSWORD, { mode: 0o600 });
    const said: string[] = [];
    const code = await main(['user', 'add', username, '--role', role, '--password-file', file, '--config', node.configFile], { out: (l) => said.push(l), err: (l) => said.push(l) });
    if (code !== 0) throw new Error(`sharpxr user add ${username}: ${said.join('\n')}`);
    return username;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function loginToNode(node: Pick<NodeProcess, 'configFile' | 'httpUrl'>, role: 'viewer' | 'operator' | 'admin' = 'viewer'): Promise<NodeSession> {
  const username = await createNodeUser(node, role);
  const res = await fetch(`${node.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: NODE_TEST_PASSWORD }) });
  if (res.status !== 200) throw new Error(`login as ${username}: ${res.status} ${await res.text()}`);
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  const cookie = /sharpxr_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  if (!cookie) throw new Error('login set no session cookie');
  return { username, password: NODE_TEST_PASSWORD, cookie, csrfToken, headers: { cookie: `sharpxr_session=${cookie}`, 'x-csrf-token': csrfToken } };
}
