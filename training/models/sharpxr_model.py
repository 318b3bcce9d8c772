"""SharpXRModel owns the networks, losses, optimisers and one training step (BasicSR style).

Stage 1: generator only, L1 + SSIM + perceptual.
Stage 2: adds the conditional PatchGAN and the adversarial term, starting from stage-1 weights.
Self-supervised (stage 1 with losses.n2n): Neighbor2Neighbor on noisy films alone; the clean
losses are not used, as the films are their own (noisy) targets.
"""
import copy
import math
from typing import Dict

import torch
import torch.nn.functional as F

from .graft import graft_state
from ..archs import build_discriminator, build_generator
from ..losses import GANLoss, Neighbor2NeighborLoss, PerceptualLoss, SSIMLoss, ssim
from ..utils.checkpoint import load_checkpoint, net_g_weights


def psnr(x: torch.Tensor, y: torch.Tensor) -> float:
    mse = F.mse_loss(x.clamp(0, 1), y).item()
    return 99.0 if mse == 0 else 10 * math.log10(1.0 / mse)


class SharpXRModel:
    def __init__(self, opt: dict, device: torch.device):
        self.opt = opt
        self.device = device
        self.stage = int(opt.get("stage", 1))
        train = opt.get("train", {})
        self.net_g = build_generator(opt["network_g"]).to(device)
        self.net_d = build_discriminator(opt.get("network_d", {})).to(device) if self.stage == 2 else None
        self.total_steps = int(train.get("total_steps", 1000))
        self.optim_g = torch.optim.Adam(self.net_g.parameters(), lr=float(train.get("optim_g", {}).get("lr", 2e-4)),
                                        betas=(0.9, 0.99))
        self.sched_g = self._cosine(self.optim_g, train)
        if self.net_d is not None:
            self.optim_d = torch.optim.Adam(self.net_d.parameters(), lr=float(train.get("optim_d", {}).get("lr", 1e-4)),
                                            betas=(0.9, 0.99))
            self.sched_d = self._cosine(self.optim_d, train)
        self._build_losses(train.get("losses", {}))
        self.grad_clip = float(train.get("grad_clip", 0) or 0)
        # EMA of the generator's weights (train.ema_decay, e.g. 0.999): a smoother average of the
        # last ~1/(1-decay) steps that usually validates a little better than the raw weights.
        # When on, it is what validation reports first and what export ships.
        self.ema_decay = float(train.get("ema_decay", 0) or 0)
        self.net_g_ema = copy.deepcopy(self.net_g).eval() if self.ema_decay > 0 else None

    def _cosine(self, optim, train):
        eta_min_ratio = float(train.get("lr_min_ratio", 0.05))
        warmup = int(train.get("warmup_steps", 0))

        def factor(step):
            if step < warmup:
                return (step + 1) / warmup
            t = min(1.0, (step - warmup) / max(1, self.total_steps - warmup))
            return eta_min_ratio + (1 - eta_min_ratio) * 0.5 * (1 + math.cos(math.pi * t))
        return torch.optim.lr_scheduler.LambdaLR(optim, factor)

    def _build_losses(self, lo: dict):
        self.w_l1 = float(lo.get("l1", 1.0))
        self.w_ssim = float(lo.get("ssim", 0.0))
        self.ssim_loss = SSIMLoss().to(self.device)
        perc = lo.get("perceptual") or {}
        self.w_perc = float(perc.get("weight", 0.0))
        self.perc_loss = None
        if self.w_perc > 0:
            self.perc_loss = PerceptualLoss(perc["weights_path"], perc.get("layers", {"relu2_2": 1.0}),
                                            int(perc.get("max_images", 0))).to(self.device)
        n2n = lo.get("n2n") or {}
        self.w_n2n = float(n2n.get("weight", 0.0))
        self.n2n_loss = Neighbor2NeighborLoss(float(n2n.get("gamma", 2.0))) if self.w_n2n > 0 else None
        if self.n2n_loss is not None and self.stage != 1:
            raise ValueError("losses.n2n (self-supervised) is a stage-1 loss: no GAN on top of it")
        distill = lo.get("distill") or {}
        self.w_distill = float(distill.get("weight", 0.0))
        self.teacher = self._load_teacher(distill["teacher"]) if self.w_distill > 0 else None
        gan = lo.get("gan") or {}
        self.w_gan = float(gan.get("weight", 0.0)) if self.stage == 2 else 0.0
        self.gan_loss = GANLoss(gan.get("kind", "lsgan"))

    def _load_teacher(self, path: str):
        """A trained generator (any architecture: its own config is in the file) whose outputs
        the student also learns: distillation from a larger or slower network."""
        from ..export import load_generator
        teacher, _ = load_generator(path)
        for p in teacher.parameters():
            p.requires_grad_(False)
        return teacher.to(self.device).eval()

    def pixel_losses(self, out: torch.Tensor, clean: torch.Tensor, noisy: torch.Tensor = None) -> Dict[str, torch.Tensor]:
        losses = {"l1": self.w_l1 * F.l1_loss(out, clean)}
        if self.w_ssim:
            losses["ssim"] = self.w_ssim * self.ssim_loss(out, clean)
        if self.perc_loss is not None:
            losses["perceptual"] = self.w_perc * self.perc_loss(out, clean)
        if self.teacher is not None and noisy is not None:
            with torch.no_grad():
                target = self.teacher(noisy)
            losses["distill"] = self.w_distill * F.l1_loss(out, target)
        return losses

    def optimize_parameters(self, noisy: torch.Tensor, clean: torch.Tensor) -> Dict[str, float]:
        noisy, clean = noisy.to(self.device), clean.to(self.device)
        self.net_g.train()
        if self.n2n_loss is not None:
            return self._step({k: self.w_n2n * v for k, v in self.n2n_loss(self.net_g, noisy).items()})
        out = self.net_g(noisy)
        losses = self.pixel_losses(out, clean, noisy)
        if self.net_d is not None:
            for p in self.net_d.parameters():
                p.requires_grad_(False)
            losses["g_adv"] = self.w_gan * self.gan_loss(self.net_d(noisy, out), True)
        result = self._step(losses)
        if self.net_d is not None:
            result.update(self._optimize_d(noisy, clean, out.detach()))
        return result

    def _step(self, losses: Dict[str, torch.Tensor]) -> Dict[str, float]:
        total = sum(losses.values())
        self.optim_g.zero_grad(set_to_none=True)
        total.backward()
        if self.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.net_g.parameters(), self.grad_clip)
        self.optim_g.step()
        self.sched_g.step()
        self._update_ema()
        result = {k: float(v.item()) for k, v in losses.items()}
        result["total"] = float(total.item())
        return result

    @torch.no_grad()
    def _update_ema(self) -> None:
        if self.net_g_ema is None:
            return
        ema = self.net_g_ema.state_dict()
        for k, v in self.net_g.state_dict().items():
            if v.dtype.is_floating_point:
                ema[k].mul_(self.ema_decay).add_(v, alpha=1 - self.ema_decay)
            else:
                ema[k].copy_(v)

    def _optimize_d(self, noisy, clean, fake) -> Dict[str, float]:
        for p in self.net_d.parameters():
            p.requires_grad_(True)
        d_real = self.gan_loss(self.net_d(noisy, clean), True)
        d_fake = self.gan_loss(self.net_d(noisy, fake), False)
        loss = 0.5 * (d_real + d_fake)
        self.optim_d.zero_grad(set_to_none=True)
        loss.backward()
        self.optim_d.step()
        self.sched_d.step()
        return {"d_real": float(d_real.item()), "d_fake": float(d_fake.item())}

    @property
    def net_g_shipped(self) -> torch.nn.Module:
        """The generator validation scores and export ships: the EMA copy when kept."""
        return self.net_g_ema if self.net_g_ema is not None else self.net_g

    @torch.no_grad()
    def validate(self, val_set) -> Dict[str, float]:
        """psnr/ssim of the shipped generator; with EMA on, psnr_raw/ssim_raw of the raw weights
        too, so every run's log is its own EMA ablation."""
        nets = {"": self.net_g_shipped}
        if self.net_g_ema is not None:
            nets["_raw"] = self.net_g
        sums = {"psnr_noisy": 0.0, "ssim_noisy": 0.0}
        for net in nets.values():
            net.eval()
        for noisy, clean in val_set:
            noisy, clean = noisy.to(self.device), clean.to(self.device)
            for suffix, net in nets.items():
                out = net(noisy).clamp(0, 1)
                sums["psnr" + suffix] = sums.get("psnr" + suffix, 0.0) + psnr(out, clean)
                sums["ssim" + suffix] = sums.get("ssim" + suffix, 0.0) + float(ssim(out, clean))
            sums["psnr_noisy"] += psnr(noisy, clean)
            sums["ssim_noisy"] += float(ssim(noisy, clean))
        return {k: v / max(len(val_set), 1) for k, v in sums.items()}

    def state_dict(self) -> dict:
        state = {"net_g": self.net_g.state_dict(), "optim_g": self.optim_g.state_dict(),
                 "sched_g": self.sched_g.state_dict()}
        if self.net_g_ema is not None:
            state["net_g_ema"] = self.net_g_ema.state_dict()
        if self.net_d is not None:
            state.update(net_d=self.net_d.state_dict(), optim_d=self.optim_d.state_dict(),
                         sched_d=self.sched_d.state_dict())
        return state

    def load_state_dict(self, state: dict) -> None:
        self.net_g.load_state_dict(state["net_g"])
        self.optim_g.load_state_dict(state["optim_g"])
        self.sched_g.load_state_dict(state["sched_g"])
        if self.net_g_ema is not None:
            self.net_g_ema.load_state_dict(state.get("net_g_ema", state["net_g"]))
        if self.net_d is not None:
            self.net_d.load_state_dict(state["net_d"])
            self.optim_d.load_state_dict(state["optim_d"])
            self.sched_d.load_state_dict(state["sched_d"])

    def init_generator_from(self, path: str) -> None:
        """Stage 2 starts from stage 1's generator weights (optimiser state starts fresh); a
        longer stage 1 can start from a shipped model's exported weights (.pt, key net_g)."""
        self.net_g.load_state_dict(net_g_weights(load_checkpoint(path, self.device)))
        if self.net_g_ema is not None:
            self.net_g_ema.load_state_dict(self.net_g.state_dict())

    def graft_generator_from(self, path: str, offset: int) -> int:
        """Take a deeper trained network's lower levels (see models/graft.py); returns how many
        tensors were taken, so the run log shows the graft did something."""
        teacher = net_g_weights(load_checkpoint(path, self.device))
        state, taken = graft_state(self.net_g.state_dict(), teacher, offset, self.net_g.depth)
        if taken == 0:
            raise ValueError(f"graft_from {path}: no tensor of that network fits this one")
        self.net_g.load_state_dict(state)
        if self.net_g_ema is not None:
            self.net_g_ema.load_state_dict(state)
        return taken
