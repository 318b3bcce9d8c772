"""Adversarial losses: LSGAN (least squares) and the non-saturating logistic GAN."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class GANLoss(nn.Module):
    def __init__(self, kind: str = "lsgan"):
        super().__init__()
        if kind not in ("lsgan", "vanilla"):
            raise ValueError(f"gan loss: unknown kind '{kind}' (use 'lsgan' or 'vanilla')")
        self.kind = kind

    def forward(self, logits: torch.Tensor, target_is_real: bool) -> torch.Tensor:
        target = torch.ones_like(logits) if target_is_real else torch.zeros_like(logits)
        if self.kind == "lsgan":
            return F.mse_loss(logits, target)
        # Non-saturating: the generator maximises log D(G(z)) by calling this with target_is_real=True.
        return F.binary_cross_entropy_with_logits(logits, target)
