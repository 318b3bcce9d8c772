"""Start a shallower U-Net from a trained deeper one: the student's levels are the teacher's
levels below the first `offset` (e.g. the half-resolution network, shuffle 2, gets the product
network's half-, quarter-, ... resolution encoders and decoders; only its head and tail, which
replace the teacher's full-resolution level, start fresh). Layers whose shapes differ stay as
initialised, and the report says how many tensors were taken.
"""
import re
from typing import Dict, Tuple

import torch

_LEVEL_KEY = re.compile(r"^(downs|encoders|decoders)\.(\d+)\.(.+)$")


def graft_key(student_key: str, offset: int, student_depth: int) -> str:
    """The teacher's name for a student tensor. downs/encoders count from the top (shallowest
    first), so they shift by `offset`; decoders are stored deepest first in both networks, so
    the deepest decoders line up index for index. head and tail have no teacher counterpart."""
    m = _LEVEL_KEY.match(student_key)
    if not m:
        return ""
    kind, idx, rest = m.group(1), int(m.group(2)), m.group(3)
    if kind == "decoders":
        return f"decoders.{idx}.{rest}" if idx < student_depth else ""
    return f"{kind}.{idx + offset}.{rest}"


def graft_state(student: Dict[str, torch.Tensor], teacher: Dict[str, torch.Tensor], offset: int,
                student_depth: int) -> Tuple[Dict[str, torch.Tensor], int]:
    """The student's state with every tensor the teacher has at the mapped name and same shape."""
    out, taken = dict(student), 0
    for key, value in student.items():
        src = graft_key(key, offset, student_depth)
        if src and src in teacher and teacher[src].shape == value.shape:
            out[key] = teacher[src].detach().clone().to(value.dtype)
            taken += 1
    return out, taken

