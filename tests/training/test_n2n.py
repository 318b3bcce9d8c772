"""Self-supervised Neighbor2Neighbor: the sub-sampler, and that training on noisy films alone
lowers the loss and denoises (measured against clean references the loss never saw)."""
import copy

import pytest
import torch

from training.data import XRayTrainDataset
from training.losses import Neighbor2NeighborLoss, draw_pattern, neighbor_subsample
from training.models.sharpxr_model import SharpXRModel, psnr


def test_subsampler_takes_two_distinct_4_neighbours_of_each_cell():
    h, w = 6, 8
    y = torch.arange(2 * h * w, dtype=torch.float32).reshape(2, 1, h, w)
    g1, g2 = neighbor_subsample(y, draw_pattern(y.shape, torch.Generator().manual_seed(0)))
    assert g1.shape == g2.shape == (2, 1, h // 2, w // 2)
    seen = set()
    for n in range(2):
        for i in range(h // 2):
            for j in range(w // 2):
                a, b = int(g1[n, 0, i, j]), int(g2[n, 0, i, j])
                (ya, xa), (yb, xb) = divmod(a - n * h * w, w), divmod(b - n * h * w, w)
                assert {ya // 2, yb // 2} == {i} and {xa // 2, xb // 2} == {j}  # both from cell (i, j)
                assert abs(ya - yb) + abs(xa - xb) == 1  # distinct and side by side, not diagonal
                seen.add((ya % 2, xa % 2, yb % 2, xb % 2))
    assert len(seen) == 8  # every ordered neighbour pair is drawn


def test_subsampler_uses_the_same_cells_for_every_channel():
    y = torch.rand(1, 3, 8, 8)
    pattern = draw_pattern(y.shape, torch.Generator().manual_seed(1))
    g1, _ = neighbor_subsample(y, pattern)
    g1_single, _ = neighbor_subsample(y[:, 1:2], pattern)
    assert torch.equal(g1[:, 1:2], g1_single)


def test_n2n_is_a_stage_1_loss(tiny_opt):
    opt = copy.deepcopy(tiny_opt)
    opt["stage"] = 2
    opt["train"]["losses"] = {"n2n": {"weight": 1.0}}
    with pytest.raises(ValueError, match="stage-1"):
        SharpXRModel(opt, torch.device("cpu"))


def test_self_supervised_run_lowers_the_loss_and_denoises(tiny_opt):
    """Noisy crops only: the loss sees no clean image, yet the output gets closer to it."""
    opt = copy.deepcopy(tiny_opt)
    opt["train"].update(total_steps=150, warmup_steps=5, optim_g={"lr": 0.002},
                        losses={"l1": 0.0, "n2n": {"weight": 1.0, "gamma": 2.0}})
    torch.manual_seed(0)
    model = SharpXRModel(opt, torch.device("cpu"))
    data = XRayTrainDataset(dict(opt["datasets"]["train"], patch_size=64, batch_size=4,
                                 noise={"type": "gaussian", "sigma": 25}), seed=3)
    val_noisy, val_clean = XRayTrainDataset(dict(opt["datasets"]["train"], patch_size=96, batch_size=4,
                                                 noise={"type": "gaussian", "sigma": 25}), seed=99).next_batch()
    losses = []
    for _ in range(150):
        noisy, _clean = data.next_batch()
        step = model.optimize_parameters(noisy, noisy)  # the films are their own targets
        assert set(step) == {"n2n_rec", "n2n_reg", "total"}
        losses.append(step["total"])
    first, last = sum(losses[:10]) / 10, sum(losses[-10:]) / 10
    assert last < 0.7 * first, f"N2N loss did not go down: {first:.5f} -> {last:.5f}"
    model.net_g.eval()
    with torch.no_grad():
        out = model.net_g(val_noisy).clamp(0, 1)
    gain = psnr(out, val_clean) - psnr(val_noisy, val_clean)
    print(f"n2n tiny: loss {first:.5f} -> {last:.5f}, gain {gain:.2f} dB")
    assert gain > 3.0, f"self-supervised tiny model gained only {gain:.2f} dB over the noisy input"
