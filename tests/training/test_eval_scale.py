"""Cross-domain evaluation inputs: `eval --scale` resizes each film before noise (the detail scale
of smaller films), `--setting` runs only the noise settings asked for (with the same noise draw
as a full run), and a folder of DICOM films is read like any other."""
import json
import os

import pytest

from conftest import FIXTURE_DICOM, FIXTURE_IMAGES, run_cli
from training.data.image_io import read_image


def _eval(tmp_path, name, *extra):
    out = tmp_path / name
    proc = run_cli("eval", "--out", str(out), "--nlm-tune-images", "1", *extra)
    return proc, out


def test_scale_halves_the_films_and_runs_only_the_settings_asked(tiny_checkpoint, tmp_path):
    full, full_out = _eval(tmp_path, "full", "--data", FIXTURE_IMAGES, "--max-images", "1", "--model", f"tiny={tiny_checkpoint}")
    assert full.returncode == 0, full.stderr
    half, half_out = _eval(tmp_path, "half", "--data", FIXTURE_IMAGES, "--max-images", "1", "--model", f"tiny={tiny_checkpoint}",
                           "--scale", "0.5", "--setting", "gaussian_25")
    assert half.returncode == 0, half.stderr
    a = json.loads((full_out / "eval.json").read_text())
    b = json.loads((half_out / "eval.json").read_text())
    (w, h), = [map(int, s.split("x")) for s in a["sizes"]]
    (w2, h2), = [map(int, s.split("x")) for s in b["sizes"]]
    assert (w2, h2) == (round(w / 2), round(h / 2)) and b["scale"] == 0.5
    assert [s["key"] for s in b["settings"]] == ["gaussian_25"]
    # Same noise level, another image: the noisy input's PSNR is that of σ=25 both times.
    pa = {s["key"]: s for s in a["settings"]}["gaussian_25"]["results"]["noisy"]["psnr"]
    pb = b["settings"][0]["results"]["noisy"]["psnr"]
    assert abs(pa - pb) < 1.0, (pa, pb)
    assert "0.5x their size" in (half_out / "eval.md").read_text()


def test_reads_a_folder_of_dicom_films(tmp_path):
    folder = os.path.dirname(FIXTURE_DICOM)
    proc, out = _eval(tmp_path, "dicom", "--data", folder, "--setting", "gaussian_25", "--scale", "0.25")
    assert proc.returncode == 0, proc.stderr
    report = json.loads((out / "eval.json").read_text())
    h, w = read_image(FIXTURE_DICOM).shape
    assert report["images"] == 1 and report["sizes"] == [f"{round(w / 4)}x{round(h / 4)}"]
    nlm, noisy = (report["settings"][0]["results"][k]["psnr"] for k in ("nlm", "noisy"))
    assert nlm > noisy, "NLM denoises the film"


def test_unknown_setting_is_named(tmp_path):
    proc, _ = _eval(tmp_path, "bad", "--data", FIXTURE_IMAGES, "--setting", "gaussian_99")
    assert proc.returncode != 0
    assert "gaussian_99" in proc.stderr and "gaussian_25" in proc.stderr


def test_no_nlm_scores_the_models_alone_with_the_same_noise_draw(tiny_checkpoint, tmp_path):
    args = ("--data", FIXTURE_IMAGES, "--max-images", "1", "--model", f"tiny={tiny_checkpoint}", "--setting", "gaussian_25")
    with_nlm, a_out = _eval(tmp_path, "with", *args)
    without, b_out = _eval(tmp_path, "without", *args, "--no-nlm")
    assert with_nlm.returncode == 0 and without.returncode == 0, without.stderr
    a = json.loads((a_out / "eval.json").read_text())["settings"][0]["results"]
    b = json.loads((b_out / "eval.json").read_text())
    assert b["methods"] == ["noisy", "tiny"] and "nlm" not in b["settings"][0]["results"]
    assert b["settings"][0]["results"]["tiny"] == a["tiny"] and b["settings"][0]["results"]["noisy"] == a["noisy"]
    assert os.path.isfile(b_out / "grid.png") and "| noisy | tiny | NLM h |" in (b_out / "eval.md").read_text()
