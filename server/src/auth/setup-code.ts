// The one-time setup code: while the node has no account, it prints a random code in its log
// and keeps it in <dataDir>/setup-code (mode 600), and the setup screen asks for it. So the
// first admin is whoever can read the node's log or data folder, not whoever reaches the port
// first. The file is deleted once the first admin exists.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBase62, sameSecret } from './secrets.js';

export class SetupCode {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = join(dataDir, 'setup-code');
  }

  /** The code (made on first call and kept across restarts until used). */
  current(): string {
    if (existsSync(this.file)) {
      const code = readFileSync(this.file, 'utf8').trim();
      if (/^[0-9A-Za-z]{12,}$/.test(code)) return code;
    }
    const code = randomBase62(16);
    writeFileSync(this.file, `${code}\n`, { mode: 0o600 });
    return code;
  }

  matches(candidate: string): boolean {
    return existsSync(this.file) && sameSecret(candidate.trim(), this.current());
  }

  get path(): string {
    return this.file;
  }

  consume(): void {
    rmSync(this.file, { force: true });
  }
}
