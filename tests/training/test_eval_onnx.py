"""`eval --model NAME=file.onnx` scores an exported model through the node's own runner
(onnxruntime-node over a pipe: int8 forms have no PyTorch weights), and `--add-to` adds a run's
model rows to an earlier report of the same images and noise draw."""
import json

from conftest import FIXTURE_IMAGES, run_cli


def _eval(out, *extra):
    proc = run_cli("eval", "--data", FIXTURE_IMAGES, "--max-images", "2", "--crop", "96", "--nlm-tune-images", "1",
                   "--out", str(out), *extra)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads((out / "eval.json").read_text())


def test_an_onnx_file_scores_as_its_pytorch_weights(tiny_checkpoint, tiny_onnx, tmp_path):
    report = _eval(tmp_path / "both", "--no-nlm", "--setting", "gaussian_25", "--setting", "gaussian_50",
                   "--model", f"pt={tiny_checkpoint}", "--model", f"onnx={tiny_onnx}")
    for s in report["settings"]:
        r = s["results"]
        # The same network in onnxruntime-node: the same figures, well above the noisy input.
        assert abs(r["onnx"]["psnr"] - r["pt"]["psnr"]) < 0.01, s
        assert abs(r["onnx"]["ssim"] - r["pt"]["ssim"]) < 0.001, s
        assert r["onnx"]["psnr"] != r["noisy"]["psnr"]


def test_a_missing_or_broken_onnx_file_is_a_clear_error(tmp_path):
    missing = run_cli("eval", "--data", FIXTURE_IMAGES, "--out", str(tmp_path / "m"), "--no-nlm",
                      "--model", f"x={tmp_path / 'nope.onnx'}")
    assert missing.returncode != 0 and "nope.onnx does not exist" in missing.stderr
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    broken = run_cli("eval", "--data", FIXTURE_IMAGES, "--max-images", "1", "--out", str(tmp_path / "b"), "--no-nlm",
                     "--setting", "gaussian_25", "--model", f"x={bad}")
    assert broken.returncode != 0 and "the node's runner stopped" in broken.stderr


def test_add_to_joins_a_model_to_an_earlier_report(tiny_checkpoint, tiny_onnx, tmp_path):
    base = _eval(tmp_path / "base", "--model", f"pt={tiny_checkpoint}")
    added = _eval(tmp_path / "added", "--no-nlm", "--model", f"onnx={tiny_onnx}",
                  "--add-to", str(tmp_path / "base" / "eval.json"))
    merged = json.loads((tmp_path / "base" / "eval.json").read_text())
    assert merged["methods"] == ["noisy", "nlm", "pt", "onnx"]
    assert merged["models"] == {"pt": tiny_checkpoint, "onnx": tiny_onnx}
    for m, a in zip(merged["settings"], added["settings"]):
        assert m["results"]["onnx"] == a["results"]["onnx"]
        # What was there stays, and the noise draw was the same one.
        assert m["results"]["nlm"] == {s["key"]: s for s in base["settings"]}[m["key"]]["results"]["nlm"]
        assert m["results"]["noisy"] == a["results"]["noisy"]
    assert "onnx" in (tmp_path / "base" / "eval.md").read_text().splitlines()[4]


def test_add_to_refuses_another_image_set(tiny_checkpoint, tiny_onnx, tmp_path):
    _eval(tmp_path / "base", "--model", f"pt={tiny_checkpoint}")
    before = (tmp_path / "base" / "eval.json").read_text()
    proc = run_cli("eval", "--data", FIXTURE_IMAGES, "--max-images", "1", "--crop", "96", "--no-nlm",
                   "--out", str(tmp_path / "other"), "--model", f"onnx={tiny_onnx}",
                   "--add-to", str(tmp_path / "base" / "eval.json"))
    assert proc.returncode != 0 and "not the same set" in proc.stderr
    assert (tmp_path / "base" / "eval.json").read_text() == before, "the report is left as it was"
