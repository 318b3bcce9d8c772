"""`python3 -m training export`: generator checkpoint -> ONNX (+ plain generator weights).

Contract (checked at load by the TypeScript runner and by the parity test):
  input  'noisy'    float32 [N, 1, H, W] in [0, 1], N/H/W dynamic, any H and W
  output 'denoised' float32 [N, 1, H, W] in [0, 1]
  metadata: name, version, stage, architecture, noise_model, training_data, config_hash, pad_multiple
"""
import json
import os

import torch
import torch.nn as nn

from .archs import build_generator
from .archs.deploy_arch import fold_for_deploy
from .data.noise import describe
from .utils.checkpoint import net_g_weights
from .utils.config import config_hash


class ClampedGenerator(nn.Module):
    """The deployed graph clamps to [0, 1]; training keeps the unclamped output for gradients."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, noisy: torch.Tensor) -> torch.Tensor:
        return self.net(noisy).clamp(0.0, 1.0)


def load_generator(path: str):
    """A training checkpoint (latest.pth) or exported generator weights (.pt) -> (net, config)."""
    state = torch.load(path, map_location="cpu")
    opt = state["config"]
    weights = net_g_weights(state)
    net = build_generator(opt["network_g"])
    net.load_state_dict(weights)
    return net.eval(), opt


def metadata_for(opt: dict, name: str, version: str) -> dict:
    data = opt["datasets"]["train"]
    return {
        "name": name,
        "version": version,
        "stage": "gan" if int(opt.get("stage", 1)) == 2 else "stage1",
        "architecture": f"SharpXRLikeUNet channels={opt['network_g']['channels']} "
                        f"convs_per_block={opt['network_g'].get('convs_per_block', 2)}"
                        + (f" shuffle={opt['network_g']['shuffle']}" if int(opt["network_g"].get("shuffle", 1)) > 1 else ""),
        "noise_model": describe(data["noise"]),
        "training_data": data.get("description", os.path.basename(str(data["root"]).rstrip("/"))),
        "config_hash": config_hash(opt),
        "pad_multiple": str(int(opt["network_g"].get("shuffle", 1)) * 2 ** (len(opt["network_g"]["channels"]) - 1)),
        "training_run": opt.get("name", ""),
        "training_recipe": recipe(opt),
        "graph": "deploy form: decoder concat and 1x1 mix folded into the up-sampling and a 2c skip mix",
    }


def recipe(opt: dict) -> str:
    """How the weights were trained, in one line a model card or an auditor can read: losses and
    their weights, steps, batch and patch, augmentation, and where stage 2 started from."""
    train, data = opt.get("train", {}), opt["datasets"]["train"]
    terms = []
    stage = int(opt.get("stage", 1))
    for name, spec in train.get("losses", {}).items():
        if name == "gan" and stage == 1:
            continue  # stage 1 trains no discriminator whatever the shared config lists
        weight = spec.get("weight") if isinstance(spec, dict) else spec
        kind = f" {spec['kind']}" if isinstance(spec, dict) and spec.get("kind") else ""
        teacher = f" from {os.path.basename(str(spec['teacher']))}" if isinstance(spec, dict) and spec.get("teacher") else ""
        if weight:
            terms.append(f"{name}{kind} {weight:g}{teacher}")
    parts = [f"stage {stage}", "loss " + " + ".join(terms) if terms else "no loss terms",
             f"{train.get('total_steps', '?')} steps", f"batch {data.get('batch_size', '?')} x {data.get('patch_size', '?')} px",
             f"lr {train.get('optim_g', {}).get('lr', '?')}"]
    if data.get("flip"):
        parts.append("flips")
    if data.get("scale"):
        parts.append(f"rescaled crops s={data['scale']} p={data.get('scale_p', 1.0)}")
    if train.get("init_from"):
        parts.append(f"from {os.path.basename(os.path.dirname(os.path.dirname(str(train['init_from'])))) or train['init_from']}")
    if train.get("graft_from"):
        g = train["graft_from"]
        parts.append(f"lower levels grafted from {os.path.basename(str(g['weights']))} (offset {g.get('offset', 1)})")
    return "; ".join(parts)


def export(checkpoint: str, out: str, name: str, version: str, opset: int = 17) -> dict:
    net, opt = load_generator(checkpoint)
    return _export_net(net, opt, out, name, version, opset)


def export_untrained(opt: dict, out: str, name: str, opset: int = 17) -> dict:
    """Seeded random weights: lets the benchmark time an architecture (e.g. the paper size) untrained."""
    torch.manual_seed(int(opt.get("seed", 0)))
    return _export_net(build_generator(opt["network_g"]).eval(), opt, out, name, "untrained", opset)


def _export_net(net: nn.Module, opt: dict, out: str, name: str, version: str, opset: int) -> dict:
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    dummy = torch.rand(1, 1, 67, 93)  # deliberately not a multiple of the pad size
    # The graph is the folded deploy form (same function, less memory traffic); the .pt keeps
    # the training form, which is what training, eval and the parity test load.
    torch.onnx.export(ClampedGenerator(fold_for_deploy(net)), dummy, out, opset_version=opset, input_names=["noisy"],
                      output_names=["denoised"], do_constant_folding=True,
                      dynamic_axes={"noisy": {0: "batch", 2: "height", 3: "width"},
                                    "denoised": {0: "batch", 2: "height", 3: "width"}})
    meta = metadata_for(opt, name, version)
    _write_metadata(out, meta)
    weights_path = os.path.splitext(out)[0] + ".pt"
    torch.save({"net_g": net.state_dict(), "config": opt, "metadata": meta}, weights_path)
    print(json.dumps({"event": "exported", "onnx": out, "weights": weights_path, "metadata": meta}), flush=True)
    return meta


def _write_metadata(path: str, meta: dict) -> None:
    import onnx  # Debian python3-onnx; only needed here
    model = onnx.load(path)
    del model.metadata_props[:]
    for k, v in meta.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = k, str(v)
    model.producer_name = "sharpxr-training"
    model.doc_string = f"{meta['name']} {meta['version']} ({meta['stage']}): denoises [N,1,H,W] radiographs in [0,1]"
    onnx.checker.check_model(model)
    onnx.save(model, path)
