"""Noise models for training and evaluation, on images in [0, 1].

gaussian:          y = x + N(0, sigma^2), sigma given on the 0-255 scale (fixed or a range).
poisson_gaussian:  quantum noise plus read noise. With `transmitted: true` the photon signal
                   is 1 - x: in a MONOCHROME2 radiograph bright bone means few photons reached
                   the detector, so bright areas are the noisiest, as on a real detector.
                   y = s^-1( Poisson(peak * s(x)) / peak ) + N(0, read^2)
mix:               each image draws one of the listed models (blind training).
none:              y = x: the films are already noisy (self-supervised training, losses.n2n).

Any model may add `corr: [lo, hi]`: the noise field (y - x) is blurred by a Gaussian of that
standard deviation in pixels (drawn per image) and rescaled to its former strength. Real
detectors correlate neighbouring pixels (scintillator light spread, lossy coding, the
vendor's own processing); a model that only saw white noise leaves such blotches behind.
"""
import math
from typing import Optional

import torch


def _draw(value, gen: torch.Generator, log: bool = False) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    lo, hi = float(value[0]), float(value[1])
    u = torch.rand(1, generator=gen).item()
    if log:
        return math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
    return lo + u * (hi - lo)


def gaussian(x: torch.Tensor, sigma255: float, gen: Optional[torch.Generator]) -> torch.Tensor:
    return x + torch.randn(x.shape, generator=gen) * (sigma255 / 255.0)


def poisson_gaussian(x: torch.Tensor, peak: float, read255: float, gen: Optional[torch.Generator],
                     transmitted: bool = True) -> torch.Tensor:
    signal = (1.0 - x) if transmitted else x
    counts = torch.poisson(signal.clamp(min=0) * peak, generator=gen)
    noisy_signal = counts / peak
    y = (1.0 - noisy_signal) if transmitted else noisy_signal
    return y + torch.randn(x.shape, generator=gen) * (read255 / 255.0)


def _blur_kernel(std: float) -> torch.Tensor:
    radius = max(1, int(math.ceil(3 * std)))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-0.5 * (t / std) ** 2)
    return k / k.sum()


def correlate(noise: torch.Tensor, std: float) -> torch.Tensor:
    """Blur a [1,H,W] or [1,1,H,W] noise field separably and give it back its former RMS."""
    if std <= 0:
        return noise
    shape = noise.shape
    n = noise.reshape(1, 1, shape[-2], shape[-1])
    k = _blur_kernel(std)
    r = k.numel() // 2
    n2 = torch.nn.functional.pad(n, (r, r, r, r), mode="reflect")
    n2 = torch.nn.functional.conv2d(n2, k.view(1, 1, 1, -1))
    n2 = torch.nn.functional.conv2d(n2, k.view(1, 1, -1, 1))
    before, after = n.pow(2).mean().sqrt(), n2.pow(2).mean().sqrt()
    return (n2 * (before / after.clamp(min=1e-12))).reshape(shape)


def apply_noise(x: torch.Tensor, spec: dict, gen: Optional[torch.Generator] = None) -> torch.Tensor:
    """Apply the noise model `spec` to one image or a batch (each batch item draws its own level).

    The result is clipped to [0, 1] unless spec says clip: false, because real stored pixels
    are clipped to their range too; a model trained on unclipped noise misreads dark lungs.
    """
    if x.dim() == 4 and x.shape[0] > 1:
        return torch.stack([apply_noise(xi, spec, gen) for xi in x])
    y = _apply_one(x, spec, gen)
    return y.clamp(0.0, 1.0) if spec.get("clip", True) else y


def _apply_one(x: torch.Tensor, spec: dict, gen: Optional[torch.Generator]) -> torch.Tensor:
    if spec.get("corr") and spec["type"] != "mix":
        y = _apply_white(x, spec, gen)
        return x + correlate(y - x, _draw(spec["corr"], gen))
    return _apply_white(x, spec, gen)


def _apply_white(x: torch.Tensor, spec: dict, gen: Optional[torch.Generator]) -> torch.Tensor:
    kind = spec["type"]
    if kind == "none":
        return x
    if kind == "gaussian":
        return gaussian(x, _draw(spec["sigma"], gen), gen)
    if kind == "poisson_gaussian":
        return poisson_gaussian(x, _draw(spec["peak"], gen, log=True), _draw(spec.get("read_sigma", 0.0), gen),
                                gen, spec.get("transmitted", True))
    if kind == "mix":
        models = spec["models"]
        weights = torch.tensor([float(m.get("p", 1.0)) for m in models])
        idx = int(torch.multinomial(weights, 1, generator=gen).item())
        return _apply_one(x, models[idx], gen)
    raise ValueError(f"unknown noise type '{kind}' (gaussian, poisson_gaussian, mix, none)")


def describe(spec: dict) -> str:
    """One-line description, used in ONNX metadata and reports."""
    corr = f" corr={spec['corr']}px" if spec.get("corr") else ""
    return _describe_white(spec) + corr


def _describe_white(spec: dict) -> str:
    kind = spec["type"]
    if kind == "none":
        return "none (the films' own noise)"
    if kind == "gaussian":
        return f"gaussian sigma={spec['sigma']}/255"
    if kind == "poisson_gaussian":
        return (f"poisson_gaussian peak={spec['peak']} read_sigma={spec.get('read_sigma', 0)}/255 "
                f"transmitted={spec.get('transmitted', True)}")
    return "mix(" + "; ".join(describe(m) for m in spec["models"]) + ")"
