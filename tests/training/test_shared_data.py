"""Checks over the whole shared data sets in ../shared. They run whenever ../shared exists
(CI always has it) and are skipped, with the reason printed, on a checkout without it."""
import glob
import os

import numpy as np
import pytest

from conftest import FIXTURE_DICOM, skip_without_shared
from training.data import list_images, read_image


def test_kaggle_normal_sets_are_complete_and_readable():
    root = skip_without_shared("data", "cxr-kaggle-normal")
    train = list_images(os.path.join(root, "train"), "train", ["NORMAL"])
    val = list_images(os.path.join(root, "val"), "val", ["NORMAL"])
    assert (len(train), len(val)) == (323, 30)
    assert not {os.path.basename(f) for f in train} & {os.path.basename(f) for f in val}
    for f in train + val:
        img = read_image(f)
        assert img.ndim == 2 and max(img.shape) <= 1024 and min(img.shape) >= 128, f
        assert 0.0 <= img.min() < img.max() <= 1.0, f


UNCOMPRESSED = ["CR_CHEST_440_10bit_MONO1_EVRLE.dcm", "CR_CHEST_440_10bit_MONO1_IVRLE.dcm",
                "CR_CHEST_440_10bit_MONO1_DEFL.dcm"]
COMPRESSED = ["CR_CHEST_440_10bit_MONO1_J2KR.dcm", "CR_CHEST_440_10bit_MONO1_JLSL.dcm",
              "CR_CHEST_440_10bit_MONO1_JPLL.dcm", "CR_CHEST_440_10bit_MONO1_RLE.dcm"]


@pytest.mark.parametrize("name", UNCOMPRESSED)
def test_uncompressed_transcoded_dicom_matches_the_fixture(name):
    path = skip_without_shared("data", "dicom", "transcoded", name)
    np.testing.assert_array_equal(read_image(path), read_image(FIXTURE_DICOM))


@pytest.mark.parametrize("name", COMPRESSED)
def test_compressed_transcoded_dicom_is_refused_clearly(name):
    path = skip_without_shared("data", "dicom", "transcoded", name)
    with pytest.raises(ValueError, match="compressed.*decompress it first"):
        read_image(path)


def test_monochrome1_and_monochrome2_versions_read_the_same():
    mono1 = read_image(skip_without_shared("data", "dicom", "transcoded", "DX_CHEST_966_12bit_MONO1_EVRLE.dcm"))
    mono2 = read_image(skip_without_shared("data", "dicom", "transcoded", "DX_CHEST_966_12bit_MONO2_EVRLE.dcm"))
    assert mono1.shape == (2128, 2000)
    np.testing.assert_allclose(mono1, mono2, atol=1e-6)


def test_every_uncompressed_shared_dicom_reads():
    root = skip_without_shared("data", "dicom")
    paths = [p for p in glob.glob(os.path.join(root, "**", "*.dcm"), recursive=True)
             if any(tag in os.path.basename(p) for tag in ("EVRLE", "IVRLE", "DEFL", "_UNC", "explicitLE", "implicitLE"))]
    assert len(paths) >= 8
    for p in paths:
        img = read_image(p)
        assert img.ndim == 2 and img.min() == 0.0 and img.max() == 1.0, p
