// Which shipped models the quality benches score, as `python3 -m training eval --model` takes
// them: the default model as it runs (its ONNX file through the node's own runner, so an int8
// default is scored as the node runs it) under its stage's name, and the other stage from its
// PyTorch weights (the GAN-within-1-dB-of-stage-1 target needs both).
import { join } from 'node:path';
import { readManifest } from '../../server/src/config/index.js';

export interface ShippedEval {
  /** --model name=file pairs. */
  readonly args: string[];
  /** 'stage1' or 'gan': the default's row in the report. */
  readonly defaultName: 'stage1' | 'gan';
  readonly defaultFile: string;
}

export function shippedEvalModels(root: string): ShippedEval {
  const manifest = readManifest();
  const entry = manifest.models.find((m) => m.file === manifest.default);
  const defaultName = entry?.stage === 'gan' ? 'gan' : 'stage1';
  const other = defaultName === 'gan' ? 'stage1' : 'gan';
  const weights = manifest.models.find((m) => m.stage === other && m.weights);
  if (!weights?.weights) throw new Error(`models/manifest.json has no ${other} model with weights`);
  const defaultFile = join(root, 'models', manifest.default);
  return {
    args: ['--model', `${defaultName}=${defaultFile}`, '--model', `${other}=${join(root, 'models', weights.weights)}`],
    defaultName, defaultFile,
  };
}
