"""int8 quantisation (python3 -m training quantize): module -> ONNX node names, and the QDQ graph.
How close int8 comes to float in onnxruntime is tests/server/quantize.test.ts's job (Python has no
onnxruntime here)."""
import os

import pytest
import torch.nn as nn

from conftest import FIXTURE_IMAGES, json_lines, run_cli
from training.archs.deploy_arch import fold_for_deploy
from training.export import load_generator
from training.quantize import node_name

onnx = pytest.importorskip("onnx", reason="python3-onnx is not installed")


@pytest.fixture(scope="module")
def float_model(tiny_onnx):
    return tiny_onnx


def test_every_learned_conv_has_its_onnx_node(float_model):
    net, _ = load_generator(os.path.splitext(float_model)[0] + ".pt")
    net = fold_for_deploy(net)  # the exported graph is the deploy form
    nodes = {n.name for n in onnx.load(float_model).graph.node}
    convs = [name for name, m in net.named_modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) > 10
    missing = [c for c in convs if node_name(net, c, "Conv") not in nodes]
    assert missing == []  # a torch upgrade that renames scopes would show here, not as wrong ranges


def _quantize(float_model, out, *extra):
    return run_cli("quantize", "--weights", os.path.splitext(float_model)[0] + ".pt", "--onnx", float_model,
                   "--out", out, "--calib-data", FIXTURE_IMAGES, "--calib-images", "3", *extra)


def _quantized_convs(model):
    producers = {o: n for n in model.graph.node for o in n.output}
    learned = [n for n in model.graph.node if n.op_type == "Conv" and "edge" not in n.name]
    return learned, [n for n in learned if producers.get(n.input[1]) is not None]


def test_full_resolution_layers_stay_float_by_default(float_model, tmp_path):
    out = str(tmp_path / "tiny-mixed.onnx")
    proc = _quantize(float_model, out)
    assert proc.returncode == 0, proc.stderr
    learned, quantized = _quantized_convs(onnx.load(out))
    floats = {n.name for n in learned} - {n.name for n in quantized}
    # channels [8, 16, 32]: decoders.1 is the full-resolution decoder level
    assert floats and all(n.startswith(("/net/head/", "/net/decoders.1/", "/net/tail/")) for n in floats)
    assert any(n.startswith("/net/head/") for n in floats) and "/net/tail/Conv" in floats
    assert len(quantized) >= 6  # the encoder and the lower decoder levels are int8


def test_quantize_writes_a_checked_qdq_graph(float_model, tmp_path):
    out = str(tmp_path / "tiny-int8.onnx")
    proc = _quantize(float_model, out, "--keep-float", "")
    assert proc.returncode == 0, proc.stderr
    event = json_lines(proc.stdout)[-1]
    assert event["event"] == "quantized" and event["quantized_tensors"] > 10
    model = onnx.load(out)
    onnx.checker.check_model(model)
    producers = {o: n for n in model.graph.node for o in n.output}
    inits = {i.name: i for i in model.graph.initializer}
    learned, quantized = _quantized_convs(model)
    assert len(quantized) == len(learned) - 1  # all but the output layer
    for conv in quantized:
        w_dq = producers[conv.input[1]]
        assert w_dq.op_type == "DequantizeLinear" and inits[w_dq.input[0]].data_type == onnx.TensorProto.INT8
        assert producers[conv.input[0]].op_type == "DequantizeLinear"  # the activation is 8-bit too
    assert os.path.getsize(out) < os.path.getsize(float_model)
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["name"] == "tiny-int8" and meta["version"] == "0.0.1-int8" and "int8" in meta["quantization"]
    unused = set(inits) - {i for n in model.graph.node for i in n.input}
    assert unused == set()  # the float weights it replaced are gone
