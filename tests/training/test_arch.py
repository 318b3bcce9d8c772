"""Generator shape contract, tracing (what ONNX export records) and the fixed Laplacian path."""
import copy
import os

import pytest
import torch
import yaml

from conftest import REPO, TINY_CONFIG
from training.archs import FixedLaplacian, build_discriminator, build_generator
from training.archs.sharpxr_arch import LAPLACIAN_3X3
from training.export import ClampedGenerator
from training.models.sharpxr_model import SharpXRModel


def product_network():
    with open(os.path.join(REPO, "training", "options", "product_stage1.yml"), encoding="utf-8") as f:
        return yaml.safe_load(f)["network_g"]


@pytest.mark.parametrize("batch", [1, 2])
def test_tiny_generator_keeps_odd_shapes(batch):
    torch.manual_seed(0)
    net = build_generator(TINY_CONFIG["network_g"]).eval()
    x = torch.rand(batch, 1, 301, 517)
    with torch.no_grad():
        y = net(x)
    assert y.shape == x.shape


@pytest.mark.parametrize("h,w", [(1, 1), (67, 93), (64, 64), (33, 17)])
def test_product_generator_keeps_shapes(h, w):
    torch.manual_seed(0)
    net = build_generator(product_network()).eval()
    x = torch.rand(1, 1, h, w)
    with torch.no_grad():
        y = net(x)
    assert y.shape == x.shape


def test_padding_is_cropped_back_and_does_not_change_the_image_content():
    # A 61x59 input is replicate-padded to 64x64 inside the network and cropped back. Away from
    # the padded border it sees the same pixels as the full 64x64 image, so the output must agree
    # there: the crop is taken from the right corner and nothing is shifted or rescaled.
    torch.manual_seed(0)
    net = build_generator(TINY_CONFIG["network_g"]).eval()
    x = torch.rand(1, 1, 64, 64)
    with torch.no_grad():
        y_full = net(x)
        y_crop = net(x[..., :61, :59])  # padded back to 64x64 by replicating row 60 / col 58
    assert y_crop.shape == (1, 1, 61, 59)
    # Far from the padded border both see identical input, so the outputs agree there.
    assert torch.allclose(y_full[..., :40, :40], y_crop[..., :40, :40], atol=1e-5)


def test_traced_graph_generalises_to_other_sizes():
    # torch.onnx.export traces the model at one size (67x93 in export.py); the pad/crop must be
    # recorded from the input's shape, not baked in as constants, or other sizes break.
    torch.manual_seed(0)
    net = ClampedGenerator(build_generator(TINY_CONFIG["network_g"]).eval())
    with torch.no_grad():
        traced = torch.jit.trace(net, torch.rand(1, 1, 67, 93), check_trace=False)
        for shape in [(1, 1, 301, 517), (2, 1, 40, 33), (1, 1, 64, 64)]:
            x = torch.rand(*shape)
            y = traced(x)
            assert y.shape == x.shape
            assert torch.allclose(y, net(x), atol=1e-6)
            assert float(y.min()) >= 0.0 and float(y.max()) <= 1.0


def test_laplacian_kernels_are_buffers_not_parameters():
    net = build_generator(TINY_CONFIG["network_g"])
    laplacians = [m for m in net.modules() if isinstance(m, FixedLaplacian)]
    # input edge + one per decoder level
    assert len(laplacians) == 1 + len(TINY_CONFIG["network_g"]["channels"]) - 1
    param_ids = {id(p) for p in net.parameters()}
    expected = torch.tensor(LAPLACIAN_3X3)
    for lap in laplacians:
        assert id(lap.weight) not in param_ids
        assert not lap.weight.requires_grad
        assert list(dict(lap.named_parameters())) == []
        assert "weight" in dict(lap.named_buffers())
        for k in lap.weight:
            assert torch.equal(k[0], expected)
    # Buffers travel with the state dict (and so into the exported model).
    assert any(k.endswith("edge.weight") for k in net.state_dict())


def test_laplacian_kernels_unchanged_by_training(tiny_opt):
    opt = copy.deepcopy(tiny_opt)
    opt["stage"] = 2  # the generator also gets adversarial gradients
    torch.manual_seed(0)
    model = SharpXRModel(opt, torch.device("cpu"))
    before = {n: b.clone() for n, b in model.net_g.named_buffers()}
    params_before = {n: p.detach().clone() for n, p in model.net_g.named_parameters()}
    for _ in range(4):
        clean = torch.rand(2, 1, 32, 32)
        losses = model.optimize_parameters(clean + 0.1 * torch.randn_like(clean), clean)
    assert {"l1", "ssim", "g_adv", "d_real", "d_fake", "total"} <= set(losses)
    for n, b in model.net_g.named_buffers():
        assert torch.equal(b, before[n]), f"buffer {n} changed during training"
    changed = [n for n, p in model.net_g.named_parameters() if not torch.equal(p, params_before[n])]
    assert changed, "the optimiser did not move any generator parameter"


def test_discriminator_scores_patches():
    d = build_discriminator({"base": 8, "n_layers": 3})
    out = d(torch.rand(2, 1, 128, 128), torch.rand(2, 1, 128, 128))
    assert out.shape[0] == 2 and out.shape[1] == 1 and out.shape[-1] > 1


@pytest.mark.parametrize("norm", ["instance", "spectral", "none"])
def test_discriminator_norms_and_receptive_field(norm):
    from training.archs.discriminator_arch import receptive_field
    assert receptive_field(3) == 70
    d = build_discriminator({"base": 8, "n_layers": 3, "norm": norm})
    assert d(torch.rand(1, 1, 96, 96), torch.rand(1, 1, 96, 96)).shape[1] == 1
    with pytest.raises(ValueError):
        build_discriminator({"norm": "batch"})


def test_highpass_discriminator_ignores_smooth_offsets():
    """With highpass on, D judges texture only: adding a constant or a smooth ramp to the
    candidate (outside the replicate-padded border) does not change its scores."""
    torch.manual_seed(0)
    d = build_discriminator({"base": 8, "n_layers": 3, "highpass": True}).eval()
    noisy, cand = torch.rand(1, 1, 96, 96), torch.rand(1, 1, 96, 96)
    with torch.no_grad():
        base = d(noisy, cand)
        shifted = d(noisy, cand + 0.3)
        plain = build_discriminator({"base": 8, "n_layers": 3, "highpass": False}).eval()
        plain.load_state_dict(d.state_dict())
        assert not torch.allclose(plain(noisy, cand), plain(noisy, cand + 0.3), atol=1e-4)
    assert torch.allclose(base, shifted, atol=1e-5)


@pytest.mark.parametrize("name", sorted(n for n in os.listdir(os.path.join(REPO, "training", "options"))
                                        if n.endswith(".yml")))
def test_shipped_configs_load_and_build(name, monkeypatch):
    from training.data import describe
    from training.utils.config import load_config
    monkeypatch.setenv("SHARPXR_SHARED", "/shared-root")
    opt = load_config(os.path.join(REPO, "training", "options", name))
    assert opt["name"] and int(opt["stage"]) in (1, 2)
    if (opt["train"]["losses"].get("n2n") or {}).get("weight"):
        # Self-supervised: the site's own films, its own noise; no clean-reference loss.
        assert opt["datasets"]["train"]["noise"]["type"] == "none" and float(opt["train"]["losses"]["l1"]) == 0
    else:
        assert opt["datasets"]["train"]["root"].startswith("/shared-root/")
    describe(opt["datasets"]["train"]["noise"])
    describe(opt["datasets"]["val"]["noise"])
    net = build_generator(opt["network_g"])
    assert sum(p.numel() for p in net.parameters()) > 0
    perc = opt["train"]["losses"].get("perceptual") or {}
    if float(perc.get("weight", 0)):
        assert perc["weights_path"].endswith("vgg19-imagenet-block1-3.npz")
    if int(opt["stage"]) == 2:
        assert opt["train"]["init_from"].endswith("checkpoints/latest.pth")
        assert float(opt["train"]["losses"]["gan"]["weight"]) > 0


@pytest.mark.parametrize("shape", [(1, 1, 75, 93), (2, 1, 64, 130)])
def test_folded_deploy_form_computes_the_same(shape):
    from training.archs.deploy_arch import fold_for_deploy
    torch.manual_seed(5)
    net = build_generator(product_network()).eval()
    for p in net.parameters():  # trained-like magnitudes: random biases too, not zeros
        p.data.normal_(0, 0.05)
    folded = fold_for_deploy(net)
    assert all(not hasattr(level, "fuse") and hasattr(level, "skip_mix") for level in folded.decoders)
    x = torch.rand(*shape)
    with torch.no_grad():
        a, b = net(x), folded(x)
    assert a.shape == b.shape
    assert float((a - b).abs().max()) < 1e-5 * max(1.0, float(a.abs().max()))
    assert float((a - x).abs().max()) > 1e-2  # a real function, not the identity on both sides


def fast_network():
    with open(os.path.join(REPO, "training", "options", "fast_arch.yml"), encoding="utf-8") as f:
        return yaml.safe_load(f)["network_g"]


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (1, 1, 67, 93), (2, 1, 33, 130), (1, 1, 64, 64)])
def test_fast_generator_keeps_shapes(shape):
    torch.manual_seed(0)
    net = build_generator(fast_network()).eval()
    assert net.shuffle == 2 and net.pad_multiple == 16  # 2 (sub-images) x 2**3
    x = torch.rand(*shape)
    with torch.no_grad():
        y = net(x)
    assert y.shape == x.shape


def test_fast_generator_sees_each_sub_image_in_place():
    # With the noise branch zeroed the network is the identity: the pixel (un)shuffle must put
    # every pixel back where it came from, at odd sizes too (padding, then crop).
    net = build_generator(fast_network()).eval()
    with torch.no_grad():
        net.tail.weight.zero_()
        net.tail.bias.zero_()
        x = torch.rand(1, 1, 45, 71)
        assert torch.equal(net(x), x)
        net.tail.bias[1] = 0.5  # noise in sub-image 1 (row 0, col 1 of each 2x2 cell) only
        d = x - net(x)
    assert torch.allclose(d[0, 0, 0::2, 1::2], torch.full_like(d[0, 0, 0::2, 1::2], 0.5))
    assert float(d[0, 0, 1::2, :].abs().max()) == 0 and float(d[0, 0, :, 0::2].abs().max()) == 0


def test_shuffle_other_than_1_or_2_is_an_error():
    with pytest.raises(ValueError, match="shuffle"):
        build_generator({"channels": [8, 16], "shuffle": 3})
