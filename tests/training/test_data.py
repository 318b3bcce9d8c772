"""Reading radiographs: Kaggle layout, flat folders, 16-bit PNG, DICOM (and the compressed-DICOM error)."""
import os
import shutil
import subprocess

import numpy as np
import pytest
import torch

from conftest import FIXTURE_DICOM, FIXTURE_IMAGES, FIXTURE_PNG16, skip_without_shared
from training.data import XRayTrainDataset, list_images, read_image

JPEGS = ["IM-0199-0001.jpg", "IM-0393-0001.jpg", "IM-0671-0001.jpg"]


@pytest.fixture
def kaggle_tree(tmp_path):
    """chest_xray/{train,val}/{NORMAL,PNEUMONIA}/ with copies of the fixture images."""
    root = tmp_path / "kaggle"
    layout = {("train", "NORMAL"): JPEGS[:2], ("train", "PNEUMONIA"): JPEGS[2:],
              ("val", "NORMAL"): JPEGS[2:], ("val", "PNEUMONIA"): JPEGS[:1]}
    for (split, cls), names in layout.items():
        d = root / "chest_xray" / split / cls
        d.mkdir(parents=True)
        for n in names:
            shutil.copy(os.path.join(FIXTURE_IMAGES, n), d / n.replace(".jpg", ".jpeg"))
    return root


def _rel(files, root):
    return sorted(os.path.relpath(f, root) for f in files)


def test_kaggle_layout_split_and_classes(kaggle_tree):
    cx = os.path.join("chest_xray")
    normal_train = _rel(list_images(str(kaggle_tree), "train", ["NORMAL"]), kaggle_tree)
    assert normal_train == [os.path.join(cx, "train", "NORMAL", n.replace(".jpg", ".jpeg")) for n in sorted(JPEGS[:2])]
    all_train = list_images(str(kaggle_tree), "train")
    assert len(all_train) == 3 and any("PNEUMONIA" in f for f in all_train)
    val_normal = list_images(str(kaggle_tree), "val", ["NORMAL"])
    assert len(val_normal) == 1 and os.sep + "val" + os.sep in val_normal[0]
    # Pointing at chest_xray/ itself works as well as pointing at its parent.
    assert len(list_images(str(kaggle_tree / "chest_xray"), "train", ["NORMAL"])) == 2


def test_kaggle_layout_feeds_the_training_set(kaggle_tree):
    ds = XRayTrainDataset({"root": str(kaggle_tree), "split": "train", "classes": ["NORMAL"], "patch_size": 32,
                           "batch_size": 3, "noise": {"type": "gaussian", "sigma": 25}}, seed=0)
    assert len(ds) == 2
    noisy, clean = ds.next_batch()
    assert noisy.shape == clean.shape == (3, 1, 32, 32)
    assert noisy.dtype == clean.dtype == torch.float32
    assert not torch.equal(noisy, clean)
    assert 0.0 <= float(clean.min()) and float(clean.max()) <= 1.0


def test_flat_folder_of_png_and_jpeg(tmp_path):
    files = list_images(FIXTURE_IMAGES)
    assert sorted(os.path.basename(f) for f in files) == sorted(JPEGS + ["cr-mono1-10-chest-16bit.png"])
    # split/classes that do not exist in a flat folder do not filter it away
    assert len(list_images(FIXTURE_IMAGES, "val", ["NORMAL"])) == 4
    for f in files:
        img = read_image(f)
        assert img.dtype == np.float32 and img.ndim == 2
        assert 0.0 <= img.min() and img.max() <= 1.0
    # non-images are ignored; an empty folder is a clear error
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.raises(FileNotFoundError, match="no PNG/JPEG/DICOM"):
        list_images(str(tmp_path))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        list_images(str(tmp_path / "missing"))


def test_16bit_png_keeps_its_precision(tmp_path):
    img = read_image(FIXTURE_PNG16)
    assert img.shape == (440, 440)
    steps = img * 255.0
    off_grid = np.abs(steps - np.round(steps)) > 1e-3
    assert off_grid.mean() > 0.5, "16-bit PNG was read through 8 bits"
    assert len(np.unique(img)) > 256
    # The training set keeps it finer than 8 bits too (it stores float16, ~11 bits).
    shutil.copy(FIXTURE_PNG16, tmp_path / "only.png")
    ds = XRayTrainDataset({"root": str(tmp_path), "patch_size": 440, "batch_size": 1,
                           "flip": False, "noise": {"type": "gaussian", "sigma": 1}}, seed=0)
    _, clean = ds.next_batch()
    assert len(torch.unique(clean)) > 256


def test_uncompressed_dicom_monochrome1_is_inverted():
    dcm = read_image(FIXTURE_DICOM)
    assert dcm.shape == (440, 440) and dcm.dtype == np.float32
    assert dcm.min() == 0.0 and dcm.max() == 1.0
    # The 16-bit PNG fixture is the same image converted to MONOCHROME2 (bone bright):
    # if MONOCHROME1 were not inverted the correlation would be strongly negative.
    png = read_image(FIXTURE_PNG16)
    corr = np.corrcoef(dcm.ravel(), png.ravel())[0, 1]
    assert corr > 0.999


def test_dicom_without_extension_is_recognised(tmp_path):
    copy = tmp_path / "IMG0001"
    shutil.copy(FIXTURE_DICOM, copy)
    assert read_image(str(copy)).shape == (440, 440)


def test_acr_nema_dicom_without_meta_header():
    path = skip_without_shared("data", "dicom", "chest", "CR-MONO1-10-chest_fodicom_implicitLE.dcm")
    img = read_image(path)
    assert img.shape == (440, 440)
    assert np.corrcoef(img.ravel(), read_image(FIXTURE_DICOM).ravel())[0, 1] > 0.999


def test_compressed_dicom_is_a_clear_error():
    path = skip_without_shared("data", "dicom", "chest", "RG1_J2KI.dcm")
    with pytest.raises(ValueError, match="compressed") as info:
        read_image(path)
    assert "RG1_J2KI.dcm" in str(info.value)


def test_compressed_dicom_made_with_dcmtk_is_a_clear_error(tmp_path):
    tool = shutil.which("dcmcjpeg")
    if tool is None:
        pytest.skip("not run: dcmcjpeg (dcmtk) is not installed, so no compressed DICOM can be made")
    out = tmp_path / "jpeg-lossless.dcm"
    subprocess.run([tool, "+e1", FIXTURE_DICOM, str(out)], check=True, capture_output=True)
    with pytest.raises(ValueError, match="compressed"):
        read_image(str(out))


def test_paper_preset_uses_whole_images_resized_to_256():
    ds = XRayTrainDataset({"root": FIXTURE_IMAGES, "preset": "paper", "batch_size": 2,
                           "noise": {"type": "gaussian", "sigma": 25}}, seed=0)
    assert len(ds) == 4 and ds.patch == 256
    noisy, clean = ds.next_batch()
    assert noisy.shape == clean.shape == (2, 1, 256, 256)


def test_scale_rescales_crops_to_the_patch():
    base = {"root": FIXTURE_IMAGES, "patch_size": 64, "batch_size": 16, "noise": {"type": "gaussian", "sigma": 0}}
    plain = XRayTrainDataset(base, seed=0)
    scaled = XRayTrainDataset({**base, "scale": [0.25, 0.5]}, seed=0)
    sides = [scaled._source_side(1024) for _ in range(200)]
    assert min(sides) >= 128 and max(sides) <= 256 and len(set(sides)) > 20  # patch / s, s in [0.25, 0.5]
    _, clean_plain = plain.next_batch()
    _, clean_scaled = scaled.next_batch()
    assert clean_scaled.shape == clean_plain.shape == (16, 1, 64, 64)
    assert float(clean_scaled.min()) >= 0 and float(clean_scaled.max()) <= 1

    def detail(c):  # mean gradient magnitude: shrinking the film packs more anatomy per pixel
        return float((c[..., 1:, :] - c[..., :-1, :]).abs().mean())

    assert detail(clean_scaled) > 1.5 * detail(clean_plain)
    assert XRayTrainDataset({**base, "scale": [1.5, 2.0]}, seed=0)._source_side(1024) in range(32, 43)
    with pytest.raises(ValueError, match="scale"):
        XRayTrainDataset({**base, "scale": [0.5, 0.25]}, seed=0)
