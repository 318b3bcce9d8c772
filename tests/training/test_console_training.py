"""What the console's training page relies on: `--data` with each dataset layout, the sample
image (noisy | output | clean) of every validation, ETA in the progress events, eval --holdout."""
import os
import shutil

import cv2
import pytest

from conftest import FIXTURE_IMAGES, TINY_CONFIG, json_lines, run_cli
from training.data import XRayTrainDataset, XRayValDataset
from training.data.layout import apply_data_root, holdout_for, take_part

JPEGS = ["IM-0199-0001.jpg", "IM-0393-0001.jpg", "IM-0671-0001.jpg"]


def _copy(names, folder, suffix=""):
    folder.mkdir(parents=True, exist_ok=True)
    for i, n in enumerate(names):
        shutil.copy(os.path.join(FIXTURE_IMAGES, n), folder / f"{suffix}{i}-{n}")


def _opt():
    return {"datasets": {"train": {"classes": ["NORMAL"], "noise": {"type": "gaussian", "sigma": 25},
                                   "patch_size": 32, "batch_size": 1},
                         "val": {"classes": ["NORMAL"], "noise": {"type": "gaussian", "sigma": 25}}}}


def _datasets(opt):
    train = XRayTrainDataset(opt["datasets"]["train"])
    val_opt = dict(opt["datasets"]["val"])
    val = XRayValDataset(val_opt.pop("root"), val_opt.pop("noise"), **val_opt)
    return train, val


def test_holdout_sizes_and_parts():
    assert [holdout_for(n) for n in (0, 1, 2, 9, 10, 49, 500)] == [0, 0, 1, 1, 2, 9, 10]
    files = ["a", "b", "c", "d"]
    assert take_part(files, 1, "train") == ["a", "b", "c"] and take_part(files, 1, "val") == ["d"]
    assert take_part(files, 0, "val") == files  # one image: train and validate on it


def test_flat_folder_holds_out_validation_images(tmp_path):
    _copy(JPEGS + JPEGS, tmp_path / "flat" / "nested")  # nested folders count as flat
    opt = _opt()
    info = apply_data_root(opt, str(tmp_path / "flat"))
    assert info == {"layout": "flat", "root": str(tmp_path / "flat"), "holdout": 1}
    train, val = _datasets(opt)
    assert len(train) == 5 and len(val) == 1
    assert os.path.basename(val.files[0]).startswith("5-")  # the last file, sorted


def test_split_folders_without_classes(tmp_path):
    _copy(JPEGS[:2], tmp_path / "d" / "train")
    _copy(JPEGS[2:], tmp_path / "d" / "val")
    opt = _opt()
    assert apply_data_root(opt, str(tmp_path / "d"))["layout"] == "splits"
    train, val = _datasets(opt)
    assert len(train) == 2 and len(val) == 1 and os.sep + "val" + os.sep in val.files[0]


def test_kaggle_layout_uses_splits_and_classes(tmp_path):
    root = tmp_path / "kaggle"
    _copy(JPEGS[:2], root / "chest_xray" / "train" / "NORMAL")
    _copy(JPEGS[2:], root / "chest_xray" / "train" / "PNEUMONIA")
    _copy(JPEGS[:1], root / "chest_xray" / "val" / "NORMAL")
    opt = _opt()
    info = apply_data_root(opt, str(root))
    assert info["layout"] == "kaggle" and info["holdout"] == 0
    train, val = _datasets(opt)
    assert len(train) == 2 and len(val) == 1  # NORMAL only, per the config's classes


def test_data_flag_sample_images_and_eta(tmp_path):
    data = tmp_path / "flat"
    _copy(JPEGS + JPEGS[:1], data)
    proc = run_cli("train", "--config", _tiny_file(tmp_path), "--data", str(data),
                   "--set", "train.total_steps=4", "--set", "logger.val_every=2")
    assert proc.returncode == 0, proc.stderr
    events = json_lines(proc.stdout)
    start = events[0]
    assert start["layout"] == "flat" and start["holdout"] == 1 and start["train_images"] == 3
    assert start["val_images"] == 1 and start["val_root"] == str(data)
    vals = [e for e in events if e["event"] == "val"]
    assert [v["step"] for v in vals] == [2, 4]
    for v in vals:
        assert v["eta_sec"] >= 0 and os.path.isfile(v["sample"])
        img = cv2.imread(v["sample"], cv2.IMREAD_UNCHANGED)
        assert img.ndim == 2 and img.shape == (64, 3 * 64 + 8)  # three 64 px val crops, two gaps
        assert img[:, :64].std() > img[:, -64:].std() * 0.5  # a real picture, not blank
    assert vals[0]["sample"] != vals[1]["sample"]
    assert os.path.dirname(vals[0]["sample"]) == os.path.join(start["run_dir"], "samples")
    assert vals[-1]["eta_sec"] == 0


def test_eval_holdout_takes_the_last_images(tmp_path, tiny_checkpoint):
    data = tmp_path / "flat"
    _copy(JPEGS, data)
    proc = run_cli("eval", "--data", str(data), "--holdout", "1", "--model", f"m={tiny_checkpoint}",
                   "--out", str(tmp_path / "eval"), "--crop", "48", "--nlm-tune-images", "1")
    assert proc.returncode == 0, proc.stderr
    import json
    with open(tmp_path / "eval" / "eval.json", encoding="utf-8") as f:
        assert json.load(f)["images"] == 1
    assert os.path.isfile(tmp_path / "eval" / "grid.png")


def _tiny_file(tmp_path):
    import copy
    import yaml
    opt = copy.deepcopy(TINY_CONFIG)
    opt["runs_dir"] = str(tmp_path / "runs")
    path = tmp_path / "tiny.yml"
    path.write_text(yaml.safe_dump(opt, sort_keys=False))
    return str(path)


@pytest.mark.parametrize("missing", ["nothing-here"])
def test_data_flag_missing_folder_is_an_error_event(tmp_path, missing):
    proc = run_cli("train", "--config", _tiny_file(tmp_path), "--data", str(tmp_path / missing))
    assert proc.returncode == 2
    assert missing in json_lines(proc.stdout)[-1]["message"]


def test_a_vanished_reader_gets_a_checkpoint_not_a_crash(tmp_path):
    """The node that started a run was killed: stdout's pipe breaks, the run saves and stops."""
    import subprocess
    from conftest import REPO, cli_env, python_cmd
    cmd = python_cmd("train", "--config", _tiny_file(tmp_path), "--set", "train.total_steps=100000",
                     "--set", "logger.val_every=100000", "--set", "logger.ckpt_every=100000")
    proc = subprocess.Popen(cmd, cwd=REPO, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            if '"event":"train"' in line:
                break
        proc.stdout.close()  # the reader goes away without a signal
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    with open(tmp_path / "runs" / "tiny" / "log.jsonl", encoding="utf-8") as f:
        events = json_lines(f.read())
    assert events[-1]["event"] == "interrupted" and events[-1]["signal"] == 0
    assert events[-2]["event"] == "checkpoint" and events[-2]["reason"] == "interrupted"
    assert os.path.isfile(events[-2]["path"])
