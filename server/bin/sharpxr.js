#!/usr/bin/env node
// Thin launcher: the CLI is TypeScript compiled to ../dist (`npm run build` at the repo root).
let cli;
try {
  cli = await import('../dist/cli/index.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/cli/index.js')) throw err;
  process.stderr.write('sharpxr: not built yet; run `npm run build` in the repository root first\n');
  process.exit(1);
}
process.exitCode = await cli.main(process.argv.slice(2));
