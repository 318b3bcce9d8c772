"""SharpXRLikeUNet: a U-Net denoiser with a fixed Laplacian edge path.

The edge path applies a fixed (non-trainable) 3x3 Laplacian to the input image and
to every encoder skip feature, and fuses the result into the decoder, so that the
decoder always sees where the edges were before the noise was removed.
"""
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

LAPLACIAN_3X3 = ((0.0, 1.0, 0.0), (1.0, -4.0, 1.0), (0.0, 1.0, 0.0))


class FixedLaplacian(nn.Module):
    """Depthwise 3x3 Laplacian. The kernel is a buffer, so no optimiser can move it."""

    def __init__(self, channels: int):
        super().__init__()
        kernel = torch.tensor(LAPLACIAN_3X3, dtype=torch.float32)
        self.register_buffer("weight", kernel.expand(channels, 1, 3, 3).clone())
        self.channels = channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Replicate padding: a zero border would read as a strong edge at the image frame.
        x = F.pad(x, (1, 1, 1, 1), mode="replicate")
        return F.conv2d(x, self.weight, groups=self.channels)


def conv_block(cin: int, cout: int, n_convs: int) -> nn.Sequential:
    layers = []
    for i in range(n_convs):
        layers += [nn.Conv2d(cin if i == 0 else cout, cout, 3, padding=1), nn.LeakyReLU(0.2, inplace=True)]
    return nn.Sequential(*layers)


class DecoderLevel(nn.Module):
    """Upsample, then fuse [upsampled, skip, Laplacian(skip)] with a cheap 1x1 conv."""

    def __init__(self, cin: int, cskip: int, n_convs: int):
        super().__init__()
        self.up = nn.ConvTranspose2d(cin, cskip, 2, stride=2)
        self.edge = FixedLaplacian(cskip)
        self.fuse = nn.Sequential(nn.Conv2d(3 * cskip, cskip, 1), nn.LeakyReLU(0.2, inplace=True))
        self.body = conv_block(cskip, cskip, n_convs)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = self.up(x)
        return self.body(self.fuse(torch.cat([x, skip, self.edge(skip)], dim=1)))


class SharpXRLikeUNet(nn.Module):
    """U-Net + Laplacian edge path, residual output (predicts the clean image as x - noise).

    channels: widths per level, e.g. [16, 32, 64, 128]; depth = len(channels) - 1.
    shuffle: 2 runs the whole U-Net on the four half-resolution polyphase sub-images (pixel
    unshuffle in, pixel shuffle out, as FFDNet does): nothing runs at full resolution but the
    input Laplacian and the final subtraction, which on a CPU is where the time went (full-
    resolution layers are memory-bound). The edge path then sees the full-resolution Laplacian.
    Any HxW is accepted: the input is padded to a multiple of shuffle * 2**depth and cropped back.
    """

    def __init__(self, channels: Sequence[int] = (16, 32, 64, 128), convs_per_block: int = 2,
                 in_channels: int = 1, shuffle: int = 1):
        super().__init__()
        channels = list(channels)
        if len(channels) < 2:
            raise ValueError("channels needs at least two levels")
        if shuffle not in (1, 2):
            raise ValueError("shuffle must be 1 (full resolution) or 2 (half-resolution sub-images)")
        self.depth = len(channels) - 1
        self.shuffle = shuffle
        self.pad_multiple = shuffle * 2 ** self.depth
        self.input_edge = FixedLaplacian(in_channels)
        in_channels *= shuffle * shuffle  # the sub-images are channels of the network's input
        self.head = conv_block(2 * in_channels, channels[0], convs_per_block)
        self.downs = nn.ModuleList()
        self.encoders = nn.ModuleList()
        for cin, cout in zip(channels[:-1], channels[1:]):
            self.downs.append(nn.Conv2d(cin, cin, 3, stride=2, padding=1))
            self.encoders.append(conv_block(cin, cout, convs_per_block))
        self.decoders = nn.ModuleList(
            DecoderLevel(channels[i + 1], channels[i], convs_per_block) for i in reversed(range(self.depth))
        )
        # The output layer sees the input's own Laplacian again, next to the decoded features.
        self.tail = nn.Conv2d(channels[0] + in_channels, in_channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2], x.shape[-1]
        m = self.pad_multiple
        pad_h = (m - h % m) % m
        pad_w = (m - w % m) % m
        xp = F.pad(x, (0, pad_w, 0, pad_h), mode="replicate")
        edge_in = self.input_edge(xp)
        xs = xp
        if self.shuffle > 1:
            xs, edge_in = F.pixel_unshuffle(xp, self.shuffle), F.pixel_unshuffle(edge_in, self.shuffle)
        feat = self.head(torch.cat([xs, edge_in], dim=1))
        skips = []
        for down, enc in zip(self.downs, self.encoders):
            skips.append(feat)
            feat = enc(down(feat))
        for dec, skip in zip(self.decoders, reversed(skips)):
            feat = dec(feat, skip)
        noise = self.tail(torch.cat([feat, edge_in], dim=1))
        if self.shuffle > 1:
            noise = F.pixel_shuffle(noise, self.shuffle)
        out = xp - noise
        return out[..., :h, :w]
