// The validation child process: checks one model file (self-check.ts) and sends back the
// report. A file that crashes onnxruntime (a malformed graph can abort natively) takes only
// this process down, never the node; the parent then refuses the file.
import { checkModelFile, type SelfCheckOptions } from './self-check.js';
import type { ValidateReply, ValidateRequest } from './validate.js';

function reply(message: ValidateReply): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

process.once('message', (request: ValidateRequest) => {
  const options: SelfCheckOptions = { ...(request.fixturePath ? { fixturePath: request.fixturePath } : {}), threads: request.threads };
  checkModelFile(request.path, options, (stage) => void reply({ type: 'stage', stage }))
    .then((report) => reply({ type: 'report', report }), (err: unknown) => reply({ type: 'error', message: err instanceof Error ? err.message : String(err) }))
    .finally(() => process.exit(0));
});
