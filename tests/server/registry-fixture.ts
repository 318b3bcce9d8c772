// Real ONNX files for the registry tests, exported by PyTorch through the training package's
// own export code (one Python process for all of them): a tiny untrained generator of the
// product architecture (valid: the registry must accept it), and models that break one rule
// each, so every refusal is the registry's, on a real file.
import { join } from 'node:path';
import { pythonPath, runPython } from './helpers.js';

export type TestModelKind =
  /** The product U-Net, tiny and untrained, exported like `python3 -m training export`. */
  | 'valid'
  /** The same network with its input named "image" instead of "noisy". */
  | 'wrong-input'
  /** 1 - x: right names and shapes, but not a denoiser (fails the change check). */
  | 'inverted'
  /** x - mean(x) + 0.5: depends on the whole image, so tiles disagree with one pass. */
  | 'global-mean'
  /** The valid network without name/version metadata. */
  | 'no-metadata';

export interface TestModelSpec {
  readonly kind: TestModelKind;
  readonly name: string;
  readonly version: string;
  /** Seed of the untrained weights (different seeds: different files). */
  readonly seed?: number;
}

const SCRIPT = String.raw`
import json, sys, torch, torch.nn as nn
from training.archs import build_generator
from training.export import ClampedGenerator, _export_net, _write_metadata, metadata_for

class Inverted(nn.Module):
    def forward(self, x):
        return 1.0 - x

class GlobalMean(nn.Module):
    def forward(self, x):
        return (x - x.mean() + 0.5).clamp(0.0, 1.0)

def tiny_opt():
    return {"name": "registry-test", "stage": 1, "seed": 0, "network_g": {"channels": [8, 16, 32], "convs_per_block": 2},
            "datasets": {"train": {"root": "tests/fixtures/images", "description": "SharpXR test fixtures",
                                   "noise": {"type": "gaussian", "sigma": [5, 50]}}}}

def export_plain(module, out, input_name):
    axes = {0: "batch", 2: "height", 3: "width"}
    torch.onnx.export(module, torch.rand(1, 1, 67, 93), out, opset_version=17, input_names=[input_name],
                      output_names=["denoised"], dynamic_axes={input_name: axes, "denoised": axes})

for spec in json.loads(sys.argv[1]):
    opt = tiny_opt()
    torch.manual_seed(spec.get("seed", 0))
    net = build_generator(opt["network_g"]).eval()
    out, kind = spec["out"], spec["kind"]
    if kind == "valid":
        _export_net(net, opt, out, spec["name"], spec["version"], 17)
        continue
    module = {"wrong-input": ClampedGenerator(net), "no-metadata": ClampedGenerator(net), "inverted": Inverted(), "global-mean": GlobalMean()}[kind]
    export_plain(module, out, "image" if kind == "wrong-input" else "noisy")
    if kind != "no-metadata":
        _write_metadata(out, metadata_for(opt, spec["name"], spec["version"]))
`;

/** Exports every spec into `dir`; returns the .onnx path per spec, in order. */
export function exportTestModels(dir: string, specs: readonly TestModelSpec[]): string[] {
  const withOut = specs.map((s, i) => ({ ...s, out: join(dir, `${i}-${s.kind}-${s.name}-${s.version}.onnx`) }));
  runPython(pythonPath('torch'), ['-c', SCRIPT, JSON.stringify(withOut)]);
  return withOut.map((s) => s.out);
}
