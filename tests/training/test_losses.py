"""SSIM metric/loss, the VGG19 perceptual loss (missing, fake and real weights), GAN loss."""
import copy
import os

import pytest
import torch

from conftest import FIXTURE_IMAGES, SHARED, skip_without_shared
from training.data import read_image
from training.losses import GANLoss, PerceptualLoss, SSIMLoss, ssim
from training.models.sharpxr_model import SharpXRModel


def fixture_crop(size=96):
    img = read_image(os.path.join(FIXTURE_IMAGES, "IM-0199-0001.jpg"))
    h, w = img.shape
    y, x = (h - size) // 2, (w - size) // 2
    return torch.from_numpy(img[y:y + size, x:x + size].copy())[None, None]


def test_ssim_of_identical_images_is_one():
    x = fixture_crop()
    assert abs(float(ssim(x, x)) - 1.0) < 1e-6
    assert abs(float(SSIMLoss()(x, x))) < 1e-6


def test_ssim_decreases_with_noise():
    x = fixture_crop()
    g = torch.Generator().manual_seed(0)
    values = [float(ssim((x + torch.randn(x.shape, generator=g) * s / 255).clamp(0, 1), x)) for s in (5, 15, 40)]
    assert 1.0 > values[0] > values[1] > values[2] > 0.0
    loss = SSIMLoss()
    assert float(loss(x.clamp(0, 1), x)) < float(loss((x + 0.1 * torch.randn(x.shape, generator=g)), x))


def test_ssim_per_image_reduction():
    x = torch.rand(3, 1, 32, 32)
    per_image = ssim(x, x, reduce=False)
    assert per_image.shape == (3,)
    assert torch.allclose(per_image, torch.ones(3), atol=1e-6)


def test_missing_vgg_weights_is_a_clear_error(tmp_path):
    missing = str(tmp_path / "nowhere" / "vgg19.npz")
    with pytest.raises(FileNotFoundError) as info:
        PerceptualLoss(missing, {"relu2_2": 1.0})
    assert missing in str(info.value)


def test_unknown_vgg_layer_is_a_clear_error(fake_vgg_npz):
    with pytest.raises(ValueError, match="relu9_9"):
        PerceptualLoss(fake_vgg_npz, {"relu9_9": 1.0})


def _check_perceptual(weights_path):
    loss = PerceptualLoss(weights_path, {"relu1_2": 0.5, "relu2_2": 1.0, "relu3_4": 0.25})
    assert all(not p.requires_grad for p in loss.parameters())
    x = fixture_crop(64)
    assert float(loss(x, x)) == 0.0
    pred = (x + 0.05 * torch.randn_like(x)).requires_grad_(True)
    value = loss(pred, x)
    assert float(value) > 0.0
    value.backward()
    assert pred.grad is not None and float(pred.grad.abs().sum()) > 0  # gradients reach the generator
    assert all(p.grad is None for p in loss.parameters())  # ... but never the frozen VGG


def test_perceptual_loss_with_fake_weights(fake_vgg_npz):
    _check_perceptual(fake_vgg_npz)


def test_perceptual_loss_loads_the_real_vgg19_weights():
    path = skip_without_shared("weights", "vgg19-imagenet-block1-3.npz")
    _check_perceptual(path)


def test_vgg_stays_frozen_while_training(tiny_opt, fake_vgg_npz):
    opt = copy.deepcopy(tiny_opt)
    opt["train"]["losses"]["perceptual"] = {"weight": 0.05, "weights_path": fake_vgg_npz,
                                            "layers": {"relu2_2": 1.0}, "max_images": 1}
    model = SharpXRModel(opt, torch.device("cpu"))
    vgg_before = {n: p.clone() for n, p in model.perc_loss.named_parameters()}
    in_optimiser = {id(p) for g in model.optim_g.param_groups for p in g["params"]}
    assert not in_optimiser & {id(p) for p in model.perc_loss.parameters()}
    clean = torch.rand(2, 1, 32, 32)
    for _ in range(2):
        losses = model.optimize_parameters(clean + 0.1 * torch.randn_like(clean), clean)
    assert losses["perceptual"] > 0
    for n, p in model.perc_loss.named_parameters():
        assert torch.equal(p, vgg_before[n]), f"VGG parameter {n} moved"


def test_gan_loss_kinds():
    logits = torch.zeros(2, 1, 4, 4)
    assert float(GANLoss("lsgan")(logits, True)) == pytest.approx(1.0)
    assert float(GANLoss("lsgan")(logits, False)) == pytest.approx(0.0)
    assert float(GANLoss("vanilla")(logits, True)) == pytest.approx(0.6931, abs=1e-3)
    with pytest.raises(ValueError):
        GANLoss("wgan")
