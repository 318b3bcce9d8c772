"""Read radiographs as grayscale float32 in [0, 1]: PNG/JPEG (8 or 16 bit) and uncompressed DICOM."""
import os
from typing import List

import cv2
import numpy as np

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
DICOM_EXTS = (".dcm", ".dicom")
KAGGLE_SPLITS = ("train", "val", "test")


def read_image(path: str) -> np.ndarray:
    """Return an HxW float32 array in [0, 1]. 16-bit files keep their full precision."""
    if path.lower().endswith(DICOM_EXTS) or _has_dicom_magic(path):
        return read_dicom(path)
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED | cv2.IMREAD_ANYDEPTH)
    if img is None:
        raise ValueError(f"cannot read image '{path}' (not a PNG/JPEG/TIFF OpenCV can decode)")
    if img.ndim == 3:
        img = cv2.cvtColor(img[..., :3], cv2.COLOR_BGR2GRAY)
    if img.dtype == np.uint8:
        return img.astype(np.float32) / 255.0
    if img.dtype == np.uint16:
        return img.astype(np.float32) / 65535.0
    raise ValueError(f"unsupported pixel type {img.dtype} in '{path}'")


def center_crop(img: np.ndarray, size: int) -> np.ndarray:
    """The central size x size window (the whole side where the image is smaller)."""
    h, w = img.shape
    y, x = max(0, (h - size) // 2), max(0, (w - size) // 2)
    return img[y:y + size, x:x + size]


def _has_dicom_magic(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(132)
        return len(head) == 132 and head[128:132] == b"DICM"
    except OSError:
        return False


def read_dicom(path: str) -> np.ndarray:
    """Uncompressed DICOM -> [0, 1], MONOCHROME1 inverted so bone is always bright."""
    try:
        import pydicom
    except ImportError as exc:  # pragma: no cover - depends on the host
        raise RuntimeError("reading DICOM needs pydicom: apt-get install python3-pydicom") from exc
    ds = pydicom.dcmread(path, force=True)
    if "PixelData" not in ds:
        raise ValueError(f"'{path}' has no pixel data")
    syntax = ds.file_meta.get("TransferSyntaxUID")
    if syntax is None:
        # ACR-NEMA style file without a meta header: use the encoding pydicom detected while
        # reading, so pixel_array can decode it.
        syntax = pydicom.uid.ImplicitVRLittleEndian if ds.is_implicit_VR else pydicom.uid.ExplicitVRLittleEndian
        ds.file_meta.TransferSyntaxUID = syntax
    if syntax.is_compressed:
        raise ValueError(f"'{path}' is compressed ({syntax.name}); "
                         "training reads uncompressed DICOM only - decompress it first (e.g. dcmdjpeg)")
    arr = ds.pixel_array.astype(np.float32)
    lo, hi = float(arr.min()), float(arr.max())
    arr = (arr - lo) / max(hi - lo, 1.0)
    if str(ds.get("PhotometricInterpretation", "MONOCHROME2")).strip() == "MONOCHROME1":
        arr = 1.0 - arr
    return arr


def list_images(root: str, split: str = "train", classes=None) -> List[str]:
    """Files under root. Accepts a flat folder, nested folders, or the Kaggle layout
    chest_xray/{train,val,test}/{NORMAL,PNEUMONIA}, where `split` and `classes` pick the part."""
    if not os.path.isdir(root):
        raise FileNotFoundError(f"data folder '{root}' does not exist")
    base = _kaggle_split_dir(root, split)
    files = []
    # Class folders filter only where they exist: a flat folder of NORMAL films has none.
    if classes and not any(os.path.isdir(os.path.join(base, c)) for c in classes):
        classes = None
    for dirpath, _, names in os.walk(base):
        rel_parts = os.path.relpath(dirpath, base).split(os.sep)
        if classes and not set(classes) & set(rel_parts):
            continue
        for n in names:
            if n.lower().endswith(IMAGE_EXTS + DICOM_EXTS):
                files.append(os.path.join(dirpath, n))
    files.sort()
    if not files:
        raise FileNotFoundError(f"no PNG/JPEG/DICOM images under '{base}'")
    return files


def _kaggle_split_dir(root: str, split: str) -> str:
    for candidate in (os.path.join(root, "chest_xray", split), os.path.join(root, split)):
        if os.path.isdir(candidate) and any(
                os.path.isdir(os.path.join(candidate, c)) for c in os.listdir(candidate)):
            return candidate
    return root
