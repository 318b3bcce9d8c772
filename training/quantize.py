"""`python3 -m training quantize`: float ONNX generator -> int8 QDQ ONNX generator.

Static quantisation in the QDQ form onnxruntime fuses into QLinearConv / QLinearLeakyRelu:
  - weights int8, symmetric, one scale per output channel; biases int32 at s_x * s_w;
  - activations uint8 with the ranges seen on calibration images (noisy training films at
    every noise level the model was trained for), one scale per tensor.
The fixed Laplacian convolutions, the up-sampling ConvTranspose and the output conv stay
float: they are a few percent of the compute, and the output conv writes the noise estimate
that is subtracted from the input, where 8 bits would show as banding. By default the
full-resolution layers stay float too (see full_resolution_scopes: measured).

Ranges come from PyTorch forward hooks; torch.onnx names nodes after module scopes
(module `head.0` -> node `/net/head/head.0/Conv`), which ties a hook to its ONNX tensor.
"""
import json
import os
from typing import Dict, Iterable, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn

Range = Tuple[float, float]


def node_name(net: nn.Module, module_name: str, op: str) -> str:
    """torch.onnx's scope name for a module inside ClampedGenerator (attribute `net`).

    Each called ancestor adds a scope named by its attribute; a Sequential or ModuleList
    child (a digit) is named `parent.digit`; a ModuleList is never called and adds no scope:
    `encoders.0.0` -> `/net/encoders.0/encoders.0.0/Conv`, `decoders.0.fuse.0` ->
    `/net/decoders.0/fuse/fuse.0/Conv`."""
    parts = module_name.split(".")
    scopes, parent = [], ""
    for i, part in enumerate(parts):
        local = f"{parent}.{part}" if part.isdigit() else part
        parent = local
        if not isinstance(net.get_submodule(".".join(parts[: i + 1])), nn.ModuleList):
            scopes.append(local)
    return "/net/" + "/".join(scopes) + "/" + op


def _tails(t: torch.Tensor, tail: float) -> Range:
    """The `tail` and 1 - `tail` quantiles (min and max when tail is 0), on at most 2**20 samples."""
    if tail <= 0:
        return float(t.min()), float(t.max())
    flat = t.detach().flatten()
    if flat.numel() > 2 ** 20:
        flat = flat[torch.randperm(flat.numel(), generator=torch.Generator().manual_seed(0))[: 2 ** 20]]
    q = torch.quantile(flat, torch.tensor([tail, 1.0 - tail]))
    return float(q[0]), float(q[1])


def calibrate(net: nn.Module, batches: Iterable[torch.Tensor], tail: float = 0.0) -> Dict[str, Dict[str, Range]]:
    """Per ONNX node name: the range of its input and output over the calibration batches (the
    widest min/max, or with `tail` > 0 the widest of each batch's tail quantiles, which gives
    the bulk of the values finer steps at the price of clipping the rarest)."""
    ranges: Dict[str, Dict[str, Range]] = {}

    def widen(key: str, side: str, t: torch.Tensor) -> None:
        lo, hi = _tails(t, tail)
        old = ranges.setdefault(key, {}).get(side)
        ranges[key][side] = (min(lo, old[0]), max(hi, old[1])) if old else (lo, hi)

    hooks = []
    for name, mod in net.named_modules():
        op = {nn.Conv2d: "Conv", nn.LeakyReLU: "LeakyRelu"}.get(type(mod))
        if op is None:
            continue
        key = node_name(net, name, op)
        if op == "Conv":  # LeakyReLU is in place: its input is gone by the time the hook runs
            hooks.append(mod.register_forward_pre_hook(lambda m, inp, k=key: widen(k, "in", inp[0])))
        hooks.append(mod.register_forward_hook(lambda m, inp, out, k=key: widen(k, "out", out)))
    try:
        with torch.no_grad():
            for batch in batches:
                net(batch)
    finally:
        for h in hooks:
            h.remove()
    return ranges


def _activation_qparams(lo: float, hi: float) -> Tuple[float, int]:
    lo, hi = min(lo, 0.0), max(hi, 0.0)  # zero must be exact: padding and LeakyReLU rely on it
    scale = max(hi - lo, 1e-8) / 255.0
    return scale, int(np.clip(round(-lo / scale), 0, 255))


def quantizable_convs(graph, keep_float: Iterable[str] = ()) -> List:
    """The convolutions worth 8 bits: every learned 3x3/1x1 conv but the output layer and any
    whose name contains one of `keep_float`."""
    keep = list(keep_float)
    return [n for n in graph.node if n.op_type == "Conv" and "edge" not in n.name and n.name != "/net/tail/Conv"
            and not any(k in n.name for k in keep)]


def tensor_ranges(graph, ranges: Dict[str, Dict[str, Range]], keep_float: Iterable[str] = ()) -> Dict[str, Range]:
    """ONNX tensor name -> calibrated range, for every conv input/output and the LeakyReLU after it."""
    out: Dict[str, Range] = {}

    def add(tensor: str, r: Range) -> None:
        old = out.get(tensor)
        out[tensor] = (min(r[0], old[0]), max(r[1], old[1])) if old else r

    for n in quantizable_convs(graph, keep_float):
        if n.name not in ranges:
            raise ValueError(f"no calibration range for {n.name}: module and ONNX names disagree")
        add(n.input[0], ranges[n.name]["in"])
        add(n.output[0], ranges[n.name]["out"])
    for n in graph.node:
        if n.op_type == "LeakyRelu" and n.input[0] in out:
            add(n.output[0], ranges[n.name]["out"])
    return out


def _const(graph, name: str, array: np.ndarray) -> str:
    from onnx import numpy_helper
    graph.initializer.append(numpy_helper.from_array(array, name))
    return name


def _weight_dq(graph, conv, x_scale: float) -> list:
    """int8 per-channel weights and int32 bias behind DequantizeLinear nodes."""
    from onnx import helper, numpy_helper
    inits = {i.name: i for i in graph.initializer}
    w = numpy_helper.to_array(inits[conv.input[1]]).astype(np.float32)
    w_scale = np.maximum(np.abs(w).reshape(w.shape[0], -1).max(axis=1), 1e-12) / 127.0
    wq = np.clip(np.round(w / w_scale[:, None, None, None]), -127, 127).astype(np.int8)
    base = conv.name
    nodes = [helper.make_node("DequantizeLinear", [
        _const(graph, base + "/w_q", wq), _const(graph, base + "/w_scale", w_scale.astype(np.float32)),
        _const(graph, base + "/w_zp", np.zeros(w.shape[0], np.int8))], [base + "/w_dq"], axis=0)]
    conv.input[1] = base + "/w_dq"
    if len(conv.input) > 2 and conv.input[2]:
        b = numpy_helper.to_array(inits[conv.input[2]]).astype(np.float64)
        b_scale = (x_scale * w_scale).astype(np.float32)
        bq = np.round(b / b_scale).astype(np.int32)
        nodes.append(helper.make_node("DequantizeLinear", [
            _const(graph, base + "/b_q", bq), _const(graph, base + "/b_scale", b_scale),
            _const(graph, base + "/b_zp", np.zeros(w.shape[0], np.int32))], [base + "/b_dq"], axis=0))
        conv.input[2] = base + "/b_dq"
    return nodes


def quantize_model(model, ranges: Dict[str, Dict[str, Range]], keep_float: Iterable[str] = ()):
    """Rewrite `model` (onnx.ModelProto, float) in place into the QDQ int8 form; returns it."""
    from onnx import helper
    graph = model.graph
    t_ranges = tensor_ranges(graph, ranges, keep_float)
    qparams = {t: _activation_qparams(*r) for t, r in t_ranges.items()}
    convs = quantizable_convs(graph, keep_float)
    weight_nodes = [n for c in convs for n in _weight_dq(graph, c, qparams[c.input[0]][0])]
    for t in qparams:  # consumers read the fake-quantised copy
        for n in graph.node:
            for i, name in enumerate(n.input):
                if name == t:
                    n.input[i] = t + "/dq"
    nodes = list(weight_nodes)
    for n in list(graph.node):
        nodes.append(n)
        for t in n.output:
            if t in qparams:
                scale, zp = qparams[t]
                s = _const(graph, t + "/scale", np.array(scale, np.float32))
                z = _const(graph, t + "/zp", np.array(zp, np.uint8))
                nodes.append(helper.make_node("QuantizeLinear", [t, s, z], [t + "/q"]))
                nodes.append(helper.make_node("DequantizeLinear", [t + "/q", s, z], [t + "/dq"]))
    del graph.node[:]
    graph.node.extend(nodes)
    return model


def calibration_batches(opt: dict, root: str, n_images: int, crop: int = 256, seed: int = 0):
    """Noisy crops of `n_images` training films (four each, one per quadrant), each with its own
    draw from the model's training noise, so every level it was trained for shows in the ranges
    (ranges too narrow clip edges: a set of 4 films cost 1.8 dB, 32 films 0.4 dB)."""
    from .data.image_io import list_images, read_image
    from .data.noise import apply_noise
    data = opt["datasets"]["train"]
    files = list_images(root, data.get("split", "train"), data.get("classes"))
    if not files:
        raise ValueError(f"no calibration images under {root}")
    step = max(1, len(files) // n_images)  # spread over the set, not its first films
    gen = torch.Generator().manual_seed(seed)
    for f in files[::step][:n_images]:
        img = read_image(f)
        h, w = img.shape
        c = min(crop, h // 2, w // 2)
        crops = [img[y:y + c, x:x + c] for y in (h // 4 - c // 2, 3 * h // 4 - c // 2) for x in (w // 4 - c // 2, 3 * w // 4 - c // 2)]
        clean = torch.from_numpy(np.ascontiguousarray(np.stack(crops)))[:, None]
        yield apply_noise(clean, data["noise"], gen)


def _drop_unused_initializers(graph) -> None:
    used = {i for n in graph.node for i in n.input}
    keep = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(keep)


def full_resolution_scopes(opt: dict) -> List[str]:
    """The layers at full resolution: the head and the last decoder level. Kept float by default:
    all-int8 cost 0.27 dB at sigma 25 on the shipped model, these in float 0.08 dB."""
    depth = len(opt["network_g"]["channels"]) - 1
    return ["/net/head/", f"/net/decoders.{depth - 1}/"]


def quantize(weights: str, onnx_in: str, out: str, calib_root: str, calib_images: int = 32,
             keep_float: Optional[Iterable[str]] = None, tail: float = 0.0) -> dict:
    """Shipped float model (its .pt for calibration, its .onnx for the graph) -> int8 ONNX.
    keep_float: node-name parts left in float (default: the full-resolution layers)."""
    import onnx
    from .export import load_generator
    net, opt = load_generator(weights)
    graph = onnx.load(onnx_in)
    if any("skip_mix" in n.name for n in graph.graph.node):  # exported in the folded deploy form
        from .archs.deploy_arch import fold_for_deploy
        net = fold_for_deploy(net)
    ranges = calibrate(net, calibration_batches(opt, calib_root, calib_images), tail)
    keep_float = full_resolution_scopes(opt) if keep_float is None else list(keep_float)
    model = quantize_model(graph, ranges, keep_float)
    _drop_unused_initializers(model.graph)
    meta = {p.key: p.value for p in model.metadata_props}
    meta["quantization"] = (f"int8 QDQ static: weights per output channel, activations per tensor (uint8), "
                            f"ranges from {4 * calib_images} noisy training crops; float: output layer, edge "
                            f"path, up-sampling" + (f", {', '.join(keep_float)}" if keep_float else ""))
    meta["version"] = meta.get("version", "0.0.0") + "-int8"
    meta["name"] = meta.get("name", "sharpxr") + "-int8"
    del model.metadata_props[:]
    for k, v in meta.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = k, str(v)
    model.doc_string = f"{meta['name']} {meta['version']}: int8 form of {os.path.basename(onnx_in)}"
    onnx.checker.check_model(model)
    onnx.save(model, out)
    q = sum(1 for n in model.graph.node if n.op_type == "QuantizeLinear")
    result = {"event": "quantized", "onnx": out, "quantized_tensors": q, "bytes": os.path.getsize(out), "metadata": meta}
    print(json.dumps(result), flush=True)
    return result
