"""Labels burnt into samples and evaluation grids fit their panel, whatever its size: drawn on a
wide black canvas with the wording and size chosen for a narrow panel, no text pixel lands
right of that panel (a 64 px crop used to cut "output, step 6" to "output,")."""
import numpy as np
import pytest

from training.utils.labels import draw_label, fit_label


def _rightmost_ink(width: int, texts, scale: float) -> int:
    text, s = fit_label(texts, width, scale)
    canvas = np.zeros((64, 600), np.uint8)
    draw_label(canvas, [(text)], s)
    return int(np.nonzero(canvas.any(axis=0))[0].max())


@pytest.mark.parametrize("width", [48, 64, 96, 320])
def test_label_stays_inside_its_panel(width):
    for texts in (["output, step 1200", "output"], ["|stage1 - clean| x4", "|stage1 - clean|", "err stage1"], ["noisy | Gaussian sigma=25", "noisy"]):
        assert _rightmost_ink(width, texts, 0.6) < width, (width, texts)


def test_keeps_the_full_wording_and_size_when_there_is_room():
    assert fit_label(["output, step 1200", "output"], 320, 0.5) == ("output, step 1200", 0.5)


def test_prefers_a_shorter_wording_to_a_tiny_font():
    text, scale = fit_label(["output, step 1200", "output"], 64, 0.5)
    assert text == "output" and scale >= 0.4
