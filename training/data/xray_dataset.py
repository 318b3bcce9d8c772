"""Datasets of clean radiographs; noise is added on the fly (training) or once, seeded (validation)."""
import math
import random
from typing import List, Optional

import cv2
import numpy as np
import torch

from .image_io import center_crop, list_images, read_image
from .layout import take_part
from .noise import apply_noise


def _load_all(files: List[str], resize: Optional[int]) -> List[np.ndarray]:
    images = []
    for f in files:
        img = read_image(f)
        if resize:
            img = cv2.resize(img, (resize, resize), interpolation=cv2.INTER_AREA)
        # float16 halves memory; [0,1] images keep ~11 bits of precision, enough for 8-bit
        # sources, and 16-bit sources are cropped before the float32 cast below.
        images.append(img.astype(np.float16) if img.dtype != np.float16 else img)
    return images


def _scale_range(value):
    if not value:
        return None
    lo, hi = (float(value), float(value)) if isinstance(value, (int, float)) else (float(value[0]), float(value[1]))
    if not 0 < lo <= hi:
        raise ValueError(f"datasets.train.scale must be 0 < lo <= hi, got {value}")
    return lo, hi


class XRayTrainDataset:
    """Infinite stream of (noisy, clean) batches from random crops with flips.

    preset 'crop' (default): random patch_size crops of full-resolution images.
    preset 'paper': every image resized to 256x256 and used whole, as the seed paper did.
    scale [lo, hi] (crop preset): each crop covers patch/s pixels of the film, s log-uniform in
    [lo, hi], resized to the patch, so anatomy is seen at many detail scales (a 500 px adult film
    is s ~ 0.5 of the 1024 px training films, a 2000 px detector s ~ 1.5-2); scale_p of the
    crops are rescaled (default all), the rest keep the films' own scale.
    Kept in memory and sampled in-process: DataLoader workers would only steal the two CPU cores.
    """

    def __init__(self, opt: dict, seed: int = 0):
        self.preset = opt.get("preset", "crop")
        self.patch = 256 if self.preset == "paper" else int(opt.get("patch_size", 128))
        files = list_images(opt["root"], opt.get("split", "train"), opt.get("classes"))
        files = take_part(files, int(opt.get("holdout", 0) or 0), "train")
        self.images = _load_all(files, 256 if self.preset == "paper" else None)
        self.images = [im for im in self.images if min(im.shape) >= self.patch]
        if not self.images:
            raise ValueError(f"no image under {opt['root']} is at least {self.patch} px on its short side")
        self.noise = opt["noise"]
        self.batch_size = int(opt.get("batch_size", 8))
        self.flip = bool(opt.get("flip", True))
        self.scale = _scale_range(opt.get("scale")) if self.preset != "paper" else None
        self.scale_p = float(opt.get("scale_p", 1.0))
        self.rng = random.Random(seed)
        self.gen = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return len(self.images)

    def _crop(self) -> np.ndarray:
        img = self.images[self.rng.randrange(len(self.images))]
        h, w = img.shape
        side = self._source_side(min(h, w))
        y = self.rng.randrange(h - side + 1)
        x = self.rng.randrange(w - side + 1)
        c = img[y:y + side, x:x + side].astype(np.float32)
        if side != self.patch:
            shrink = side > self.patch  # area averaging when shrinking, cubic when enlarging
            c = cv2.resize(c, (self.patch, self.patch), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
            c = np.clip(c, 0.0, 1.0)
        if self.flip and self.rng.random() < 0.5:
            c = c[:, ::-1]
        if self.flip and self.rng.random() < 0.5:
            c = c[::-1, :]
        return np.ascontiguousarray(c)

    def _source_side(self, short_side: int) -> int:
        """Side of the film region a crop covers: patch / s for a log-uniform s, within the film."""
        if not self.scale or self.rng.random() >= self.scale_p:
            return self.patch
        lo, hi = self.scale
        s = math.exp(self.rng.uniform(math.log(lo), math.log(hi)))
        return max(8, min(short_side, int(round(self.patch / s))))

    def next_batch(self):
        clean = torch.from_numpy(np.stack([self._crop() for _ in range(self.batch_size)]))[:, None]
        noisy = apply_noise(clean, self.noise, self.gen)
        return noisy, clean

    def state_dict(self) -> dict:
        return {"rng": self.rng.getstate(), "gen": self.gen.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.rng.setstate(state["rng"])
        self.gen.set_state(state["gen"])


class XRayValDataset:
    """Validation pairs with fixed, seeded noise: image i always gets the same noise realisation."""

    def __init__(self, root: str, noise: dict, split: str = "val", classes=None, seed: int = 1234,
                 max_images: int = 0, crop: int = 0, resize: Optional[int] = None, holdout: int = 0):
        files = take_part(list_images(root, split, classes), int(holdout or 0), "val")
        if max_images:
            files = files[:max_images]
        self.files = files
        self.pairs = []
        for i, img in enumerate(_load_all(files, resize)):
            img = img.astype(np.float32)
            if crop:
                img = center_crop(img, crop)
            clean = torch.from_numpy(np.ascontiguousarray(img))[None, None]
            gen = torch.Generator().manual_seed(seed + i)
            self.pairs.append((apply_noise(clean, noise, gen), clean))

    def __len__(self) -> int:
        return len(self.pairs)

    def __iter__(self):
        return iter(self.pairs)
