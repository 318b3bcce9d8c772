"""An exported ONNX model scored through the node's own runner (onnxruntime-node, tiled as the
node tiles): `eval --model NAME=file.onnx`. PyTorch cannot run an int8 ONNX graph and Debian has
no Python onnxruntime; this scores exactly what the node sends to a PACS.

The node side is server/src/tools/denoise-stdio.ts: frames of uint32 LE width, height and
float32 LE pixels in both directions, width 0 to end.
"""
import os
import struct
import subprocess

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def node_command(model: str) -> list:
    """The compiled tool when the server is built, else the TypeScript source through tsx."""
    built = os.path.join(ROOT, "server", "dist", "tools", "denoise-stdio.js")
    if os.path.exists(built):
        return ["node", built, model]
    return ["node", "--import", "tsx", os.path.join(ROOT, "server", "src", "tools", "denoise-stdio.ts"), model]


class NodeOnnxGenerator:
    """Callable as a generator: [1, 1, H, W] in [0, 1] -> denoised [1, 1, H, W]."""

    def __init__(self, model: str):
        if not os.path.exists(model):
            raise FileNotFoundError(f"ONNX model {model} does not exist")
        self.model = os.path.abspath(model)
        self.proc = subprocess.Popen(node_command(self.model), cwd=ROOT, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        if n != 1 or c != 1:
            raise ValueError(f"NodeOnnxGenerator takes one grayscale image, got {tuple(x.shape)}")
        header = struct.pack("<II", w, h)
        try:
            self.proc.stdin.write(header + x[0, 0].numpy().astype("<f4").tobytes())
            self.proc.stdin.flush()
        except BrokenPipeError:
            self._stopped()
        reply = self._read(8 + 4 * w * h)
        if reply[:8] != header:
            raise RuntimeError(f"{self.model}: the node's runner answered a {w}x{h} frame with another")
        out = np.frombuffer(reply[8:], dtype="<f4").reshape(h, w).copy()
        return torch.from_numpy(out)[None, None]

    def _read(self, n: int) -> bytes:
        data = self.proc.stdout.read(n)
        if data is None or len(data) != n:
            self._stopped()
        return data

    def _stopped(self):
        self.proc.wait(timeout=30)
        err = self.proc.stderr.read().decode("utf-8", "replace").strip()
        raise RuntimeError(f"{self.model}: the node's runner stopped: {err or 'no message'}")

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(struct.pack("<II", 0, 0))
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
            self.proc.wait(timeout=30)
        self.proc.stdout.close()
        self.proc.stderr.close()
