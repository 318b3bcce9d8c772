"""`python3 -m training infer`: run a generator in PyTorch on raw float32 data.

Used by the ONNX parity test: the TypeScript side writes an input, PyTorch and
onnxruntime-node both denoise it, and the outputs must agree.
"""
import numpy as np
import torch

from .export import ClampedGenerator, load_generator


def infer_raw(weights: str, input_path: str, shape, output_path: str) -> None:
    net, _ = load_generator(weights)
    x = torch.from_numpy(np.fromfile(input_path, dtype="<f4").reshape(shape))
    with torch.no_grad():
        y = ClampedGenerator(net)(x)
    y.numpy().astype("<f4").tofile(output_path)
