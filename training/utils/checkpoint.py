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
    """The generator's weights in a training checkpoint (latest.pth), an exported .pt (key net_g),
    or a bare state dict."""
    return state["model"]["net_g"] if "model" in state else state.get("net_g", state)
