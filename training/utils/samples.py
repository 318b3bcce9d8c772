"""The picture a person watches while a run trains: the first validation image as
noisy | output | clean, written at every validation to <run>/samples/step-<step>.png."""
import os

import cv2
import numpy as np
import torch

from .labels import draw_label

TILE = 320  # centre crop per panel: full resolution, so the noise and its removal stay visible


def _panel(t: torch.Tensor, text) -> np.ndarray:
    a = t[0, 0].detach().cpu().float().numpy()
    h, w = a.shape
    c = min(TILE, h, w)
    y, x = (h - c) // 2, (w - c) // 2
    img = (a[y:y + c, x:x + c].clip(0, 1) * 255).round().astype(np.uint8)
    return draw_label(img, text, 0.5)


@torch.no_grad()
def write_sample(net: torch.nn.Module, val_set, run_dir: str, step: int) -> str:
    """Runs the generator on the first validation pair and writes the three panels side by side."""
    noisy, clean = next(iter(val_set))
    device = next(net.parameters()).device
    was_training = net.training
    net.eval()
    out = net(noisy.to(device)).clamp(0, 1)
    net.train(was_training)
    gap = np.full((min(TILE, clean.shape[-2], clean.shape[-1]), 4), 64, np.uint8)
    row = np.concatenate([_panel(noisy, "noisy"), gap, _panel(out, (f"output, step {step}", "output")), gap,
                          _panel(clean, "clean")], axis=1)
    folder = os.path.join(run_dir, "samples")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"step-{step:07d}.png")
    tmp = path + ".tmp.png"
    cv2.imwrite(tmp, row)
    os.replace(tmp, path)  # a reader polling the folder never sees half a PNG
    return path
