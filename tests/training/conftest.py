"""Shared setup for the training tests: repo root on sys.path, 2 torch threads, a tiny
config that trains in a fraction of a second per step on tests/fixtures/images, and
helpers to run the `python3 -m training` CLI."""
import copy
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

FIXTURES = os.path.join(REPO, "tests", "fixtures")
FIXTURE_IMAGES = os.path.join(FIXTURES, "images")
FIXTURE_DICOM = os.path.join(FIXTURES, "dicom", "CR-MONO1-10-chest_dcmbench_explicitLE.dcm")
FIXTURE_PNG16 = os.path.join(FIXTURE_IMAGES, "cr-mono1-10-chest-16bit.png")
# ../shared next to the repo (CI always has it); SHARPXR_SHARED overrides, as in the configs.
SHARED = os.path.abspath(os.environ.get("SHARPXR_SHARED") or os.path.join(REPO, "..", "shared"))

# Two threads for the two cores CI has. SHARPXR_TEST_THREADS=1 is much faster when another
# process (a training run) already keeps both cores busy: OpenMP threads then fight for them.
THREADS = int(os.environ.get("SHARPXR_TEST_THREADS", "2"))
torch.set_num_threads(THREADS)

TINY_CONFIG = {
    "name": "tiny",
    "stage": 1,
    "seed": 0,
    "threads": THREADS,
    "model_version": "0.0.1",
    "network_g": {"channels": [8, 16, 32], "convs_per_block": 2},
    "network_d": {"base": 8, "n_layers": 2},
    "datasets": {
        "train": {
            "root": FIXTURE_IMAGES,
            "description": "SharpXR test fixtures",
            "split": "train",
            "preset": "crop",
            "patch_size": 32,
            "batch_size": 2,
            "flip": True,
            "noise": {"type": "gaussian", "sigma": [5, 50]},
        },
        "val": {
            "root": FIXTURE_IMAGES,
            "split": "val",
            "max_images": 1,
            "crop": 64,
            "seed": 1234,
            "noise": {"type": "gaussian", "sigma": 25},
        },
    },
    "train": {
        "total_steps": 6,
        "warmup_steps": 1,
        "lr_min_ratio": 0.1,
        "grad_clip": 1.0,
        "optim_g": {"lr": 0.001},
        "optim_d": {"lr": 0.0001},
        "losses": {"l1": 1.0, "ssim": 0.2, "perceptual": {"weight": 0.0}, "gan": {"kind": "lsgan", "weight": 0.01}},
    },
    "logger": {"log_every": 1, "val_every": 3, "ckpt_every": 3},
}


def pytest_terminal_summary(terminalreporter):
    skipped = terminalreporter.stats.get("skipped", [])
    if os.path.isdir(SHARED):
        terminalreporter.write_line(f"shared data: {SHARED} found; the tests over the shared data sets ran")
    else:
        terminalreporter.write_line(f"shared data: {SHARED} not found; {len(skipped)} tests that need it were "
                                    "skipped (they run on CI, which always has ../shared)")


def skip_without_shared(*parts):
    """Path under ../shared, or skip the test saying plainly why it did not run."""
    path = os.path.join(SHARED, *parts)
    if not os.path.exists(path):
        pytest.skip(f"not run: {path} is missing (../shared is not next to this checkout)")
    return path


@pytest.fixture
def tiny_opt(tmp_path):
    """The tiny config as a dict, with its run folder under tmp_path."""
    opt = copy.deepcopy(TINY_CONFIG)
    opt["runs_dir"] = str(tmp_path / "runs")
    return opt


@pytest.fixture
def tiny_config_file(tmp_path, tiny_opt):
    path = tmp_path / "tiny.yml"
    path.write_text(yaml.safe_dump(tiny_opt, sort_keys=False))
    return str(path)


def run_train_inprocess(opt, restart=False):
    """train() in this process; it installs SIGINT/SIGTERM handlers, so pytest gets its own back."""
    from training.train import train
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        return train(opt, restart=restart)
    finally:
        for s, h in saved.items():
            signal.signal(s, h)


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory):
    """A real training checkpoint (latest.pth) of the tiny config after a few steps."""
    runs = tmp_path_factory.mktemp("ckpt-runs")
    opt = copy.deepcopy(TINY_CONFIG)
    opt["runs_dir"] = str(runs)
    opt["train"]["total_steps"] = 3
    opt["logger"] = {"log_every": 10, "val_every": 10, "ckpt_every": 10}
    run_train_inprocess(opt)
    path = os.path.join(str(runs), "tiny", "checkpoints", "latest.pth")
    assert os.path.isfile(path)
    return path



@pytest.fixture(scope="session")
def tiny_onnx(tiny_checkpoint, tmp_path_factory):
    """The tiny checkpoint exported to ONNX (name tiny, version 0.0.1)."""
    out = str(tmp_path_factory.mktemp("tiny-onnx") / "tiny.onnx")
    proc = run_cli("export", "--checkpoint", tiny_checkpoint, "--out", out, "--name", "tiny", "--version", "0.0.1")
    assert proc.returncode == 0, proc.stderr
    return out

def fake_vgg_weights(path, seed=0):
    """An npz with the keys and HWIO shapes of vgg19-imagenet-block1-3.npz, random values."""
    from training.losses.perceptual_loss import VGG19_BLOCKS
    rng = np.random.default_rng(seed)
    arrays = {}
    for block in VGG19_BLOCKS:
        for name, cin, cout in block:
            arrays[f"{name}__kernel"] = (rng.standard_normal((3, 3, cin, cout)) * np.sqrt(2.0 / (9 * cin))).astype(np.float32)
            arrays[f"{name}__bias"] = (rng.standard_normal(cout) * 0.01).astype(np.float32)
    np.savez(path, **arrays)
    return str(path)


@pytest.fixture(scope="session")
def fake_vgg_npz(tmp_path_factory):
    return fake_vgg_weights(tmp_path_factory.mktemp("vgg") / "fake-vgg19-block1-3.npz")


def python_cmd(*args):
    """`python3 -m training ...` with the interpreter running the tests."""
    return [sys.executable, "-m", "training", *args]


def run_cli(*args, timeout=300):
    proc = subprocess.run(python_cmd(*args), cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          env=cli_env())
    return proc


def cli_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    env["SHARPXR_THREADS"] = str(THREADS)
    return env


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]
