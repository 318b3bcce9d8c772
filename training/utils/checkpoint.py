"""Atomic checkpoints: a crash while saving never leaves a half-written latest.pth."""
import os

import torch


def save_checkpoint(path: str, state: dict) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    torch.save(state, tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_checkpoint(path: str, device="cpu") -> dict:
    return torch.load(path, map_location=device)


def net_g_weights(state: dict) -> dict:
    """The generator's weights in a training checkpoint (latest.pth; its EMA copy when the run
    kept one, as that is what the run validated), an exported .pt (key net_g), or a bare state dict."""
    if "model" in state:
        return state["model"].get("net_g_ema") or state["model"]["net_g"]
    return state.get("net_g", state)
