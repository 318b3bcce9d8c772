"""Conditional PatchGAN discriminator (pix2pix style, 70x70 receptive field with 3 strided layers)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class PatchGANDiscriminator(nn.Module):
    """Scores overlapping ~70x70 patches of [noisy, candidate] as real or denoised.

    Conditioning on the noisy input lets the discriminator judge whether the clean
    candidate is plausible *for this input*, not just plausible in general.
    norm: 'instance' (pix2pix-like; batch statistics are too noisy with small CPU batches),
    'spectral', or 'none'. Measured here: with spectral norm, lr 1e-4 and LSGAN, the
    discriminator stayed at chance (d_real = d_fake = 0.25) for 600 steps.
    """

    def __init__(self, in_channels: int = 2, base: int = 64, n_layers: int = 3, norm: str = "instance",
                 highpass: bool = False):
        super().__init__()
        # highpass: judge the candidate's fine texture (x - 3x3 mean, x10) instead of its raw values.
        # Measured: a D on raw [noisy, candidate] stayed at chance against stage-1 outputs; on the
        # high-pass it separated real from denoised within ~100 steps.
        self.highpass = highpass
        if norm not in ("instance", "spectral", "none"):
            raise ValueError(f"discriminator norm '{norm}': use instance, spectral or none")
        layers = [_conv(in_channels, base, 2, norm, first=True), nn.LeakyReLU(0.2, inplace=True)]
        ch = base
        for i in range(1, n_layers + 1):
            nxt = base * min(2 ** i, 8)
            stride = 2 if i < n_layers else 1
            layers += [_conv(ch, nxt, stride, norm), nn.LeakyReLU(0.2, inplace=True)]
            ch = nxt
        layers.append(nn.Conv2d(ch, 1, 4, stride=1, padding=1))
        self.net = nn.Sequential(*layers)

    def forward(self, noisy: torch.Tensor, candidate: torch.Tensor) -> torch.Tensor:
        if self.highpass:
            candidate = high_pass(candidate)
        return self.net(torch.cat([noisy, candidate], dim=1))


def high_pass(x: torch.Tensor, gain: float = 10.0) -> torch.Tensor:
    local_mean = F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3, stride=1)
    return (x - local_mean) * gain


def _conv(cin: int, cout: int, stride: int, norm: str, first: bool = False) -> nn.Module:
    conv = nn.Conv2d(cin, cout, 4, stride=stride, padding=1)
    if norm == "spectral":
        return nn.utils.spectral_norm(conv)
    if norm == "instance" and not first:  # pix2pix: no normalisation on the first layer
        return nn.Sequential(conv, nn.InstanceNorm2d(cout, affine=True))
    return conv


def receptive_field(n_layers: int = 3) -> int:
    """Receptive field of one output score, in input pixels (70 for the default)."""
    rf = 4  # final 4x4 conv, stride 1
    rf = rf + 3  # last hidden layer: 4x4 stride 1
    for _ in range(n_layers):
        rf = (rf - 1) * 2 + 4
    return rf
