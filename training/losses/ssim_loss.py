"""SSIM with a Gaussian window (Wang et al. 2004), as a metric and as 1 - SSIM loss."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    coords = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    g = torch.exp(-(coords ** 2) / (2 * sigma ** 2))
    g = g / g.sum()
    return (g[:, None] * g[None, :])[None, None]


def ssim(x: torch.Tensor, y: torch.Tensor, data_range: float = 1.0, window: torch.Tensor = None,
         reduce: bool = True) -> torch.Tensor:
    """Mean SSIM of [N,1,H,W] tensors ('valid' window positions only, like skimage's default crop)."""
    if window is None:
        window = gaussian_window().to(x)
    c1 = (0.01 * data_range) ** 2
    c2 = (0.03 * data_range) ** 2
    mu_x = F.conv2d(x, window)
    mu_y = F.conv2d(y, window)
    sxx = F.conv2d(x * x, window) - mu_x ** 2
    syy = F.conv2d(y * y, window) - mu_y ** 2
    sxy = F.conv2d(x * y, window) - mu_x * mu_y
    num = (2 * mu_x * mu_y + c1) * (2 * sxy + c2)
    den = (mu_x ** 2 + mu_y ** 2 + c1) * (sxx + syy + c2)
    smap = num / den
    return smap.mean() if reduce else smap.flatten(1).mean(1)


class SSIMLoss(nn.Module):
    def __init__(self, window_size: int = 11, sigma: float = 1.5):
        super().__init__()
        self.register_buffer("window", gaussian_window(window_size, sigma))

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return 1.0 - ssim(pred, target, window=self.window)
