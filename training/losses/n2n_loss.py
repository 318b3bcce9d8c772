"""Neighbor2Neighbor: self-supervised denoising from noisy images alone (Huang et al., CVPR 2021).

A random neighbour sub-sampler splits each 2x2 cell of a noisy image y into two different
neighbouring pixels, giving two half-size images g1(y), g2(y) whose content is nearly the same
and whose noise is independent (pixel-wise independent noise). The network learns to map one
to the other, which in expectation is learning the clean image:

    L = |f(g1(y)) - g2(y)|^2 + gamma * |f(g1(y)) - g2(y) - (g1(f(y)) - g2(f(y)))|^2

The second (regulariser) term, with f(y) computed without gradient, corrects for the small
content difference between the two neighbours, which would otherwise blur edges.

Why here: a site has its own detector's noisy films but no clean references. Fine-tuning on
them with this loss needs nothing else. Its assumption is noise independent between
neighbouring pixels; correlated noise (heavy lossy coding) is partly seen as signal and kept.
"""
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn

# The 8 ordered pairs of 4-neighbours inside a 2x2 cell (index = 2*row + col).
_PAIRS = torch.tensor([[0, 1], [0, 2], [1, 0], [1, 3], [2, 0], [2, 3], [3, 1], [3, 2]])


def draw_pattern(shape, gen: Optional[torch.Generator] = None) -> torch.Tensor:
    """For an [N,C,H,W] image: one of the 8 neighbour pairs per 2x2 cell, [N,H//2,W//2]."""
    n, _, h, w = shape
    return torch.randint(0, len(_PAIRS), (n, h // 2, w // 2), generator=gen)


def neighbor_subsample(y: torch.Tensor, pattern: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """[N,C,H,W] -> two [N,C,H//2,W//2] images g1, g2: in each 2x2 cell the two distinct
    4-neighbours `pattern` names (the same for every channel)."""
    n, c, h, w = y.shape
    h2, w2 = h // 2, w // 2
    cells = y[:, :, : 2 * h2, : 2 * w2].reshape(n, c, h2, 2, w2, 2).permute(0, 1, 2, 4, 3, 5).reshape(n, c, h2, w2, 4)
    idx = _PAIRS.to(y.device)[pattern.to(y.device)][:, None].expand(n, c, h2, w2, 2)
    return torch.gather(cells, 4, idx[..., :1]).squeeze(-1), torch.gather(cells, 4, idx[..., 1:]).squeeze(-1)


class Neighbor2NeighborLoss(nn.Module):
    """Both terms of the loss for one batch of noisy images; the network is called twice."""

    def __init__(self, gamma: float = 2.0):
        super().__init__()
        self.gamma = float(gamma)

    def forward(self, net: nn.Module, noisy: torch.Tensor, gen: Optional[torch.Generator] = None) -> Dict[str, torch.Tensor]:
        pattern = draw_pattern(noisy.shape, gen)
        g1, g2 = neighbor_subsample(noisy, pattern)
        out = net(g1)
        with torch.no_grad():
            f1, f2 = neighbor_subsample(net(noisy), pattern)  # the same cells of f(y)
        diff = out - g2
        return {"n2n_rec": diff.pow(2).mean(), "n2n_reg": self.gamma * (diff - (f1 - f2)).pow(2).mean()}
