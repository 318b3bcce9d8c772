"""Export to ONNX (graph and metadata), PyTorch inference on raw data, and the eval report."""
import json
import os

import numpy as np
import pytest
import torch

from conftest import FIXTURE_IMAGES, json_lines, run_cli
from training.export import ClampedGenerator, load_generator

META_KEYS = {"name", "version", "stage", "architecture", "noise_model", "training_data", "config_hash",
             "pad_multiple"}


@pytest.fixture(scope="module")
def exported(tiny_checkpoint, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("export") / "sharpxr-test.onnx")
    proc = run_cli("export", "--checkpoint", tiny_checkpoint, "--out", out, "--name", "sharpxr-test",
                   "--version", "0.0.1")
    assert proc.returncode == 0, proc.stderr
    return out, json_lines(proc.stdout)


def test_export_writes_onnx_with_metadata(exported, tiny_checkpoint):
    onnx = pytest.importorskip("onnx", reason="python3-onnx is not installed")
    path, events = exported
    assert events[-1]["event"] == "exported" and events[-1]["onnx"] == path
    model = onnx.load(path)
    onnx.checker.check_model(model)
    meta = {p.key: p.value for p in model.metadata_props}
    assert META_KEYS <= set(meta)
    assert meta["name"] == "sharpxr-test" and meta["version"] == "0.0.1"
    assert meta["stage"] == "stage1"
    assert meta["noise_model"].startswith("gaussian")
    assert meta["training_data"] == "SharpXR test fixtures"
    state = torch.load(tiny_checkpoint, map_location="cpu")
    assert meta["config_hash"] == state["config_hash"]
    assert meta["pad_multiple"] == "4"  # channels [8, 16, 32]: two downsamplings
    # The recipe from the run's own config: stage 1 has no adversarial term, a zero weight is left out.
    train = state["config"]["train"]
    assert meta["training_recipe"] == "stage 1; loss l1 1 + ssim 0.2; %d steps; batch 2 x 32 px; lr %s; flips" % (
        train["total_steps"], train["optim_g"]["lr"])
    assert events[-1]["metadata"] == meta


def test_export_graph_names_and_dynamic_shapes(exported):
    onnx = pytest.importorskip("onnx", reason="python3-onnx is not installed")
    model = onnx.load(exported[0])
    inputs = [i for i in model.graph.input if i.name not in {t.name for t in model.graph.initializer}]
    assert [i.name for i in inputs] == ["noisy"]
    assert [o.name for o in model.graph.output] == ["denoised"]
    for value in (inputs[0], model.graph.output[0]):
        dims = value.type.tensor_type.shape.dim
        assert len(dims) == 4
        assert value.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
        for i in (0, 2, 3):  # batch, height, width are symbolic, not fixed to the export size
            assert dims[i].dim_param and not dims[i].dim_value, f"{value.name} dim {i} is fixed"
    assert inputs[0].type.tensor_type.shape.dim[1].dim_value == 1  # one grayscale channel
    ops = {n.op_type for n in model.graph.node}
    assert "Conv" in ops and "Clip" in ops
    # The pad to a multiple of 4 is computed from the input's shape at run time (Shape -> Mod),
    # not baked in from the 67x93 tracing input.
    assert {"Shape", "Mod", "Pad"} <= ops


def test_exported_weights_and_infer(exported, tiny_checkpoint, tmp_path):
    from training.infer import infer_raw
    weights = os.path.splitext(exported[0])[0] + ".pt"
    net_pt, opt_pt = load_generator(weights)
    net_ck, _ = load_generator(tiny_checkpoint)
    for (k, a), (_, b) in zip(net_pt.state_dict().items(), net_ck.state_dict().items()):
        assert torch.equal(a, b), k
    assert opt_pt["network_g"]["channels"] == [8, 16, 32]
    x = np.random.default_rng(0).random((1, 1, 37, 53), dtype=np.float32)
    raw_in, raw_out = tmp_path / "in.f32", tmp_path / "out.f32"
    x.astype("<f4").tofile(raw_in)
    infer_raw(weights, str(raw_in), [1, 1, 37, 53], str(raw_out))
    y = np.fromfile(raw_out, dtype="<f4").reshape(1, 1, 37, 53)
    with torch.no_grad():
        ref = ClampedGenerator(net_ck)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(y, ref, atol=1e-6)
    assert y.min() >= 0 and y.max() <= 1


def test_eval_writes_json_markdown_and_grid(tiny_checkpoint, tmp_path):
    out = tmp_path / "eval"
    proc = run_cli("eval", "--data", FIXTURE_IMAGES, "--model", f"tiny={tiny_checkpoint}", "--out", str(out),
                   "--max-images", "2", "--crop", "128")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for line in proc.stdout.splitlines():
        assert "event" in json.loads(line)

    report = json.loads((out / "eval.json").read_text())
    assert report["images"] == 2
    settings = {s["key"]: s for s in report["settings"]}
    assert {"gaussian_10", "gaussian_25", "gaussian_50", "poisson_gaussian"} <= set(settings)
    for s in settings.values():
        for method in ("noisy", "nlm", "tiny"):
            r = s["results"][method]
            assert 0 < r["psnr"] < 100 and 0 < r["ssim"] <= 1
    # Stronger noise, lower PSNR of the noisy input.
    noisy_psnr = [settings[k]["results"]["noisy"]["psnr"] for k in ("gaussian_10", "gaussian_25", "gaussian_50")]
    assert noisy_psnr[0] > noisy_psnr[1] > noisy_psnr[2]

    md = (out / "eval.md").read_text()
    table = [line for line in md.splitlines() if line.startswith("|")]
    assert len(table) >= 2 + 4 and "nlm" in table[0] and "tiny" in table[0]
    assert set(table[1].replace("|", "").strip()) <= set("-: ")

    grid = (out / "grid.png").read_bytes()
    assert grid[:8] == b"\x89PNG\r\n\x1a\n"
    import cv2
    img = cv2.imread(str(out / "grid.png"), cv2.IMREAD_UNCHANGED)
    assert img is not None and img.shape[0] >= 128 and img.shape[1] >= 4 * 128


def test_export_untrained_config_for_benchmarks(tiny_config_file, tmp_path):
    onnx = pytest.importorskip("onnx", reason="python3-onnx is not installed")
    out = str(tmp_path / "untrained.onnx")
    proc = run_cli("export", "--untrained-config", tiny_config_file, "--out", out, "--name", "bench-tiny")
    assert proc.returncode == 0, proc.stderr
    assert json_lines(proc.stdout)[-1]["event"] == "exported"
    meta = {p.key: p.value for p in onnx.load(out).metadata_props}
    assert meta["name"] == "bench-tiny" and meta["version"] == "untrained"


def test_recipe_of_the_shipped_gan_config_names_its_adversarial_term_and_start():
    from training.export import recipe
    from training.utils.config import load_config
    opt = load_config(os.path.join(os.path.dirname(__file__), "..", "..", "training", "options", "product_gan.yml"))
    r = recipe(opt)
    assert r.startswith("stage 2; loss l1 1 + ssim 0.2 + perceptual 0.01 + gan lsgan 0.005; ")
    assert f"{opt['train']['total_steps']} steps" in r and r.endswith("from sharpxr-product-stage1")
