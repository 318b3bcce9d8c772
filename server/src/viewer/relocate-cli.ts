// `node --import tsx server/src/viewer/relocate-cli.ts <dist> <base>`: the relocation step of
// scripts/setup-viewer.sh (exit 1 with the reason when the dist is not the expected build).
import { relocateDist, RelocationError } from './relocate.js';

const [dir, base = '/viewer/'] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: relocate-cli.ts <ohif dist folder> [/viewer/]\n');
  process.exit(2);
}
try {
  const report = await relocateDist(dir, base);
  for (const [rule, files] of Object.entries(report.changed)) process.stdout.write(`relocated ${rule}: ${files.length} file(s)\n`);
} catch (err) {
  if (!(err instanceof RelocationError)) throw err;
  process.stderr.write(`error: ${err.message}\n`);
  process.exit(1);
}
