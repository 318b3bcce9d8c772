"""Perceptual loss on pretrained ImageNet VGG19 features (blocks 1-3, Keras weights in .npz)."""
import os
from typing import Dict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# (layer name, in channels, out channels); a 2x2 max-pool follows the last conv of each block.
VGG19_BLOCKS = [
    [("block1_conv1", 3, 64), ("block1_conv2", 64, 64)],
    [("block2_conv1", 64, 128), ("block2_conv2", 128, 128)],
    [("block3_conv1", 128, 256), ("block3_conv2", 256, 256), ("block3_conv3", 256, 256), ("block3_conv4", 256, 256)],
]
# relu<block>_<conv> names, as in the perceptual-loss literature.
FEATURE_NAMES = {f"relu{b + 1}_{c + 1}": name for b, blk in enumerate(VGG19_BLOCKS) for c, (name, _, _) in enumerate(blk)}
CAFFE_BGR_MEAN = (103.939, 116.779, 123.68)


class VGG19Features(nn.Module):
    """Frozen VGG19 trunk returning the requested relu features of a [0, 1] grayscale image."""

    def __init__(self, weights_path: str, layers):
        super().__init__()
        if not os.path.isfile(weights_path):
            raise FileNotFoundError(
                f"perceptual loss: VGG19 weights not found at '{weights_path}'. Point "
                "train.losses.perceptual.weights_path at vgg19-imagenet-block1-3.npz, or set its weight to 0 to switch it off.")
        data = np.load(weights_path)
        unknown = set(layers) - set(FEATURE_NAMES)
        if unknown:
            raise ValueError(f"perceptual loss: unknown layers {sorted(unknown)}; available: {sorted(FEATURE_NAMES)}")
        wanted = {FEATURE_NAMES[l] for l in layers}
        self.convs = nn.ModuleDict()
        self.plan = []  # ordered ops: ("conv", name, feature?) or ("pool",)
        last_needed = max(i for i, n in enumerate(self._order()) if n in wanted)
        for i, name in enumerate(self._order()):
            if i > last_needed:
                break
            conv = nn.Conv2d(*self._shape(name), 3, padding=1)
            conv.weight.data = torch.from_numpy(data[f"{name}__kernel"]).permute(3, 2, 0, 1).contiguous()
            conv.bias.data = torch.from_numpy(data[f"{name}__bias"])
            self.convs[name] = conv
            self.plan.append((name, name in wanted, name.endswith(self._block_last(name))))
        self.name_of = {v: k for k, v in FEATURE_NAMES.items()}
        self.register_buffer("mean", torch.tensor(CAFFE_BGR_MEAN).view(1, 3, 1, 1))
        for p in self.parameters():
            p.requires_grad_(False)

    @staticmethod
    def _order():
        return [name for blk in VGG19_BLOCKS for name, _, _ in blk]

    @staticmethod
    def _shape(name):
        return next((cin, cout) for blk in VGG19_BLOCKS for n, cin, cout in blk if n == name)

    @staticmethod
    def _block_last(name):
        return next(blk[-1][0] for blk in VGG19_BLOCKS if any(n == name for n, _, _ in blk))

    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        # Keras "caffe" convention: 0-255, BGR, mean-subtracted; grayscale repeated to 3 channels.
        h = x.repeat(1, 3, 1, 1) * 255.0 - self.mean
        out = {}
        for name, keep, pool_after in self.plan:
            h = F.relu(self.convs[name](h))
            if keep:
                out[self.name_of[name]] = h
            if pool_after:
                h = F.max_pool2d(h, 2)
        return out


class PerceptualLoss(nn.Module):
    """Weighted, relative L1 distance between VGG19 features of prediction and target.

    Each layer's L1 is divided by the mean magnitude of the target's features, so the
    layer weights are comparable with each other and with the pixel losses (raw caffe-mode
    features are in the hundreds). max_images limits how many images of a batch pay the
    VGG forward/backward, which costs more than the generator itself on CPU.
    """

    def __init__(self, weights_path: str, layer_weights: Dict[str, float], max_images: int = 0):
        super().__init__()
        self.layer_weights = dict(layer_weights)
        self.max_images = max_images
        self.vgg = VGG19Features(weights_path, list(self.layer_weights))

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.max_images:
            pred, target = pred[: self.max_images], target[: self.max_images]
        fp = self.vgg(pred)
        with torch.no_grad():
            ft = self.vgg(target)
        return sum(w * F.l1_loss(fp[k], ft[k]) / (ft[k].abs().mean() + 1e-6) for k, w in self.layer_weights.items())
