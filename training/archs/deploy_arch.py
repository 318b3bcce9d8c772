"""The deployed form of SharpXRLikeUNet: the same function with less memory traffic.

Each decoder level of the training network concatenates [up(x), skip, L(skip)] (3c channels at
that level's resolution) and mixes them with a 1x1 conv. Every step there is linear up to the
LeakyReLU, so at export it folds exactly:
  - W_u . ConvT(x)  ->  one ConvTranspose with the composed kernel (the 1x1 mix of its output);
  - W_l . L(skip)   ->  L(W_l . skip): the Laplacian is the same depthwise kernel on every
    channel with replicate padding, so it commutes with a per-pixel channel mix;
  - so  fuse = ConvT'(x) + a + L(b),  [a; b] = W_[s;l] . skip  (one 1x1 conv c -> 2c).
No concatenation of 3c channels and a 2c instead of 3c input mix; measured in onnxruntime on
2 cores, see models/README.md. The outputs agree with the training form to float rounding
(tests/training/test_arch.py), so the ONNX parity test still compares against PyTorch.
"""
import copy

import torch
import torch.nn as nn

from .sharpxr_arch import DecoderLevel, FixedLaplacian, SharpXRLikeUNet


class FoldedDecoderLevel(nn.Module):
    def __init__(self, level: DecoderLevel):
        super().__init__()
        up, fuse = level.up, level.fuse[0]
        c = fuse.out_channels
        w = fuse.weight.detach()[:, :, 0, 0]  # [c, 3c]
        w_u, w_s, w_l = w[:, :c], w[:, c:2 * c], w[:, 2 * c:]
        self.up = nn.ConvTranspose2d(up.in_channels, c, 2, stride=2)
        with torch.no_grad():
            # ConvT weight is [cin, cout, 2, 2]; mixing its outputs by w_u composes along cout.
            self.up.weight.copy_(torch.einsum("ikab,ok->ioab", up.weight.detach(), w_u))
            self.up.bias.copy_(w_u @ up.bias.detach() + fuse.bias.detach())
        self.skip_mix = nn.Conv2d(c, 2 * c, 1, bias=False)
        with torch.no_grad():
            self.skip_mix.weight.copy_(torch.cat([w_s, w_l], dim=0)[:, :, None, None])
        self.edge = FixedLaplacian(c)
        self.act = copy.deepcopy(level.fuse[1])
        self.body = copy.deepcopy(level.body)
        self.c = c

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        mixed = self.skip_mix(skip)
        a, b = mixed[:, : self.c], mixed[:, self.c:]
        return self.body(self.act(self.up(x) + a + self.edge(b)))


def fold_for_deploy(net: SharpXRLikeUNet) -> SharpXRLikeUNet:
    """A copy of `net` whose decoder levels are folded; the forward pass is unchanged."""
    folded = copy.deepcopy(net).eval()
    folded.decoders = nn.ModuleList(FoldedDecoderLevel(level) for level in net.decoders)
    return folded
