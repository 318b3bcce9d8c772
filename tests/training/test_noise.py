"""The synthetic noise has the statistics its parameters promise, and validation noise is fixed."""
import pytest
import torch

from conftest import FIXTURE_IMAGES
from training.data import XRayValDataset, apply_noise, describe

N = 512  # 262,144 samples per flat image: sampling error of a std is ~0.15 %


def flat(value, n=N):
    return torch.full((1, 1, n, n), float(value))


def test_gaussian_sigma_matches():
    gen = torch.Generator().manual_seed(0)
    y = apply_noise(flat(0.5), {"type": "gaussian", "sigma": 25}, gen)
    assert float(y.std()) == pytest.approx(25 / 255, rel=0.02)
    assert float(y.mean()) == pytest.approx(0.5, abs=2e-3)
    assert float(y.min()) >= 0.0 and float(y.max()) <= 1.0  # clipped to the stored range


def test_gaussian_sigma_range_is_drawn_per_image():
    gen = torch.Generator().manual_seed(0)
    y = apply_noise(torch.full((6, 1, 64, 64), 0.5), {"type": "gaussian", "sigma": [2, 50]}, gen)
    stds = [float(s) * 255 for s in y.flatten(1).std(1)]
    assert all(1.5 < s < 52 for s in stds)
    assert max(stds) - min(stds) > 5  # not one level for the whole batch


@pytest.mark.parametrize("x", [0.2, 0.9])  # photon signal 1 - x: 0.8 (dark, many photons) and 0.1 (bright bone)
def test_poisson_gaussian_variance_transmitted(x):
    peak, read255 = 100.0, 4.0
    gen = torch.Generator().manual_seed(1)
    spec = {"type": "poisson_gaussian", "peak": peak, "read_sigma": read255, "transmitted": True, "clip": False}
    y = apply_noise(flat(x), spec, gen)
    signal = 1.0 - x
    expected = signal / peak + (read255 / 255) ** 2
    assert float(y.var()) == pytest.approx(expected, rel=0.03)
    assert float(y.mean()) == pytest.approx(x, abs=1e-3)


def test_poisson_gaussian_bright_areas_are_noisier_when_transmitted():
    gen = torch.Generator().manual_seed(2)
    spec = {"type": "poisson_gaussian", "peak": 200, "read_sigma": 0, "transmitted": True, "clip": False}
    assert float(apply_noise(flat(0.9, 256), spec, gen).var()) < float(apply_noise(flat(0.1, 256), spec, gen).var())


def test_poisson_gaussian_variance_not_transmitted():
    peak = 50.0
    gen = torch.Generator().manual_seed(3)
    spec = {"type": "poisson_gaussian", "peak": peak, "read_sigma": 0.0, "transmitted": False, "clip": False}
    y = apply_noise(flat(0.2), spec, gen)
    assert float(y.var()) == pytest.approx(0.2 / peak, rel=0.03)


def test_mix_draws_every_model():
    # Gaussian sigma 50 (std 0.196) vs nearly noiseless Poisson (std 0.007): easy to tell apart.
    spec = {"type": "mix", "models": [{"type": "gaussian", "sigma": 50, "p": 0.5},
                                      {"type": "poisson_gaussian", "peak": 10000, "read_sigma": 0, "p": 0.5}]}
    gen = torch.Generator().manual_seed(4)
    y = apply_noise(torch.full((200, 1, 16, 16), 0.5), spec, gen)
    stds = y.flatten(1).std(1)
    n_gauss = int((stds > 0.1).sum())
    assert 60 < n_gauss < 140, n_gauss


def test_unknown_noise_type_is_an_error():
    with pytest.raises(ValueError, match="unknown noise type"):
        apply_noise(flat(0.5, 8), {"type": "speckle"})


def test_same_seed_same_noise():
    spec = {"type": "mix", "models": [{"type": "gaussian", "sigma": [2, 55]},
                                      {"type": "poisson_gaussian", "peak": [30, 3000], "read_sigma": [0, 4]}]}
    x = torch.rand(3, 1, 32, 32)
    a = apply_noise(x, spec, torch.Generator().manual_seed(7))
    b = apply_noise(x, spec, torch.Generator().manual_seed(7))
    c = apply_noise(x, spec, torch.Generator().manual_seed(8))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_validation_noise_is_reproducible():
    noise = {"type": "gaussian", "sigma": 25}
    a = XRayValDataset(FIXTURE_IMAGES, noise, max_images=2, crop=64, seed=1234)
    b = XRayValDataset(FIXTURE_IMAGES, noise, max_images=2, crop=64, seed=1234)
    c = XRayValDataset(FIXTURE_IMAGES, noise, max_images=2, crop=64, seed=99)
    assert len(a) == 2
    for (na, ca), (nb, cb), (nc, _) in zip(a, b, c):
        assert na.shape == ca.shape == (1, 1, 64, 64)
        assert torch.equal(na, nb) and torch.equal(ca, cb)
        assert not torch.equal(na, nc)
    # Each image gets its own realisation, not one shared noise field.
    (n0, c0), (n1, c1) = list(a)
    assert not torch.equal(n0 - c0, n1 - c1)


def test_describe_is_one_line():
    text = describe({"type": "mix", "models": [{"type": "gaussian", "sigma": [2, 55]},
                                               {"type": "poisson_gaussian", "peak": [30, 3000]}]})
    assert "gaussian" in text and "poisson_gaussian" in text and "\n" not in text


def _neighbour_correlation(n: torch.Tensor) -> float:
    a, b = n[..., :, :-1].flatten(), n[..., :, 1:].flatten()
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).mean() / (a.std() * b.std()))


def test_correlated_noise_keeps_its_strength_and_correlates_neighbours():
    gen = torch.Generator().manual_seed(3)
    white = apply_noise(flat(0.5), {"type": "gaussian", "sigma": 20, "clip": False}, gen) - 0.5
    corr = apply_noise(flat(0.5), {"type": "gaussian", "sigma": 20, "corr": 1.0, "clip": False}, gen) - 0.5
    assert float(corr.std()) == pytest.approx(20 / 255, rel=0.03)  # same RMS as asked
    assert abs(_neighbour_correlation(white)) < 0.02
    # A Gaussian blur of std 1 px gives neighbours a correlation of exp(-1/4) ~ 0.78.
    assert _neighbour_correlation(corr) == pytest.approx(0.78, abs=0.05)


def test_correlated_poisson_noise_stays_signal_dependent():
    gen = torch.Generator().manual_seed(4)
    x = torch.cat([flat(0.2, 256), flat(0.9, 256)], dim=-1)  # dark left half, bright right half
    spec = {"type": "poisson_gaussian", "peak": 200, "read_sigma": 0, "corr": [0.8, 1.2], "clip": False}
    n = apply_noise(x, spec, gen) - x
    dark, bright = float(n[..., 8:-8, 8:248].std()), float(n[..., 8:-8, 264:-8].std())
    # Variance follows the photon signal 1 - x (0.8 vs 0.1: std ratio ~2.8), blurred or not.
    assert dark > 1.8 * bright
    assert _neighbour_correlation(n[..., 8:248]) > 0.5
    assert "corr=[0.8, 1.2]px" in describe(spec)
