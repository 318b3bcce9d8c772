"""EMA generator weights: the running average is exact, validation reports both nets, and the
checkpoint's EMA copy is what export ships."""
import copy

import torch

from training.data import XRayTrainDataset, XRayValDataset
from training.export import load_generator
from training.models.sharpxr_model import SharpXRModel
from training.utils.checkpoint import net_g_weights


def _model(opt, decay):
    opt = copy.deepcopy(opt)
    opt["train"]["ema_decay"] = decay
    torch.manual_seed(0)
    return SharpXRModel(opt, torch.device("cpu")), opt


def _batch(opt):
    data = XRayTrainDataset(dict(opt["datasets"]["train"], patch_size=32, noise={"type": "gaussian", "sigma": 25}))
    return data.next_batch()


def test_ema_is_the_exponential_average_of_the_raw_weights(tiny_opt):
    decay = 0.75
    model, opt = _model(tiny_opt, decay)
    noisy, clean = _batch(opt)
    w0 = {k: v.clone() for k, v in model.net_g.state_dict().items()}
    model.optimize_parameters(noisy, clean)
    w1 = model.net_g.state_dict()
    ema = model.net_g_ema.state_dict()
    moved = 0
    for k, v in w1.items():
        if not v.dtype.is_floating_point:
            continue
        expected = decay * w0[k] + (1 - decay) * v
        assert torch.allclose(ema[k], expected, atol=1e-7), k
        moved += int(not torch.equal(ema[k], v))
    assert moved > 0, "the EMA copy followed the raw weights exactly: no averaging happened"


def test_no_ema_unless_asked(tiny_opt):
    model, _ = _model(tiny_opt, 0)
    assert model.net_g_ema is None and model.net_g_shipped is model.net_g
    assert "net_g_ema" not in model.state_dict()


def test_validation_reports_the_ema_and_the_raw_net(tiny_opt):
    model, opt = _model(tiny_opt, 0.5)
    noisy, clean = _batch(opt)
    for _ in range(3):
        model.optimize_parameters(noisy, clean)
    val_opt = dict(opt["datasets"]["val"])
    val = XRayValDataset(val_opt.pop("root"), val_opt.pop("noise"), **val_opt)
    metrics = model.validate(val)
    assert {"psnr", "ssim", "psnr_raw", "ssim_raw", "psnr_noisy"} <= set(metrics)
    assert metrics["psnr"] != metrics["psnr_raw"], "EMA and raw nets scored identically: one net scored twice"


def test_checkpoint_ships_the_ema_weights(tiny_opt, tmp_path):
    model, opt = _model(tiny_opt, 0.5)
    noisy, clean = _batch(opt)
    model.optimize_parameters(noisy, clean)
    state = {"model": model.state_dict(), "config": opt}
    shipped = net_g_weights(state)
    ema = model.net_g_ema.state_dict()
    assert all(torch.equal(shipped[k], ema[k]) for k in ema)
    assert any(not torch.equal(shipped[k], v) for k, v in model.net_g.state_dict().items())
    path = tmp_path / "latest.pth"
    torch.save(state, path)
    net, _ = load_generator(str(path))
    assert all(torch.equal(net.state_dict()[k], ema[k]) for k in ema)
