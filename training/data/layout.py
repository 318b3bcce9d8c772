"""`--data DIR`: one folder on the command line instead of two dataset roots in the config.

Layouts (checked in this order; the console's dataset check in server/src/training/dataset.ts
applies the same rules):
  kaggle  DIR/chest_xray/{train,val}/<class>/... or DIR/{train,val}/<class>/...  (split + classes)
  splits  DIR/train/ and DIR/val/ holding images directly (e.g. cxr-kaggle-normal)
  flat    images anywhere under DIR: the last `holdout` files (sorted) are the validation set
A split layout without a val folder validates on a holdout of its train images.
"""
import os
from typing import Dict, List

from .image_io import list_images

MAX_HOLDOUT = 10


def holdout_for(n_images: int) -> int:
    """Validation images taken from a flat folder: a fifth, 1..MAX_HOLDOUT; none with one image."""
    if n_images < 2:
        return 0
    return max(1, min(MAX_HOLDOUT, n_images // 5))


def take_part(files: List[str], holdout: int, part: str) -> List[str]:
    """The train part (all but the last `holdout` files) or the val part (only those)."""
    if holdout <= 0 or holdout >= len(files):
        return files
    return files[-holdout:] if part == "val" else files[:-holdout]


def _split_base(root: str):
    for base in (os.path.join(root, "chest_xray"), root):
        train = os.path.join(base, "train")
        if os.path.isdir(train):
            has_classes = any(os.path.isdir(os.path.join(train, c)) for c in os.listdir(train))
            return base, "kaggle" if has_classes else "splits"
    return root, "flat"


def apply_data_root(opt: dict, root: str) -> Dict[str, object]:
    """Points datasets.train and datasets.val at `root` per its layout; returns what was found."""
    if not os.path.isdir(root):
        raise FileNotFoundError(f"data folder '{root}' does not exist")
    base, layout = _split_base(root)
    train, val = opt["datasets"]["train"], opt["datasets"]["val"]
    for d in (train, val):
        d.pop("holdout", None)
    has_val = layout != "flat" and os.path.isdir(os.path.join(base, "val"))
    if layout == "kaggle":
        train.update(root=base, split="train")
        val.update(root=base, split="val" if has_val else "train")
    elif layout == "splits":
        train.update(root=os.path.join(base, "train"), split="train")
        val.update(root=os.path.join(base, "val" if has_val else "train"), split="val")
    else:
        train.update(root=root, split="train")
        val.update(root=root, split="val")
    holdout = 0
    if not has_val:
        n = len(list_images(train["root"], train["split"], train.get("classes")))
        holdout = holdout_for(n)
        train["holdout"] = val["holdout"] = holdout
        val["classes"] = train.get("classes")  # the holdout is cut from the same list
    opt["datasets"]["layout"] = layout
    return {"layout": layout, "root": root, "holdout": holdout}
