"""Training behaviour: the loss goes down, resume is exact, Ctrl-C saves, stdout is JSON lines."""
import copy
import json
import os
import signal
import subprocess

import pytest
import torch

from conftest import REPO, TINY_CONFIG, cli_env, json_lines, python_cmd, run_cli, run_train_inprocess
from training.data import XRayTrainDataset
from training.models.sharpxr_model import SharpXRModel
from training.utils.config import config_hash, load_config

TRAIN_FIELDS = {"step", "total_steps", "losses", "lr", "images_per_sec", "eta_sec"}


def test_loss_goes_down_on_a_fixed_batch(tiny_opt):
    opt = copy.deepcopy(tiny_opt)
    opt["train"]["total_steps"] = 40
    torch.manual_seed(0)
    model = SharpXRModel(opt, torch.device("cpu"))
    data = XRayTrainDataset(dict(opt["datasets"]["train"], patch_size=64, noise={"type": "gaussian", "sigma": 25}))
    noisy, clean = data.next_batch()
    l1 = [model.optimize_parameters(noisy, clean)["l1"] for _ in range(40)]
    first, last = sum(l1[:5]) / 5, sum(l1[-5:]) / 5
    assert last < 0.85 * first, f"L1 did not go down: first steps {first:.4f}, last steps {last:.4f}"


def _tiny(runs, total, ema_decay=0.0):
    opt = copy.deepcopy(TINY_CONFIG)
    opt["runs_dir"] = str(runs)
    opt["train"]["total_steps"] = total
    if ema_decay:
        opt["train"]["ema_decay"] = ema_decay
    return opt


def _checkpoint(opt):
    return torch.load(os.path.join(opt["runs_dir"], opt["name"], "checkpoints", "latest.pth"), map_location="cpu")


def _events(opt):
    with open(os.path.join(opt["runs_dir"], opt["name"], "log.jsonl"), encoding="utf-8") as f:
        return json_lines(f.read())


@pytest.mark.parametrize("ema_decay", [0.0, 0.9])
def test_resume_gives_the_same_weights_as_one_run(tmp_path, monkeypatch, ema_decay):
    total = 6
    straight = _tiny(tmp_path / "a", total, ema_decay)
    result = run_train_inprocess(straight)
    assert result["step"] == total and not result["interrupted"]

    # Second run: Ctrl-C after half the steps (the handler only sets a flag; the loop saves
    # at the next step boundary), then the same command again resumes to the end.
    split = _tiny(tmp_path / "b", total, ema_decay)
    original = SharpXRModel.optimize_parameters
    calls = {"n": 0}

    def interrupt_half_way(self, noisy, clean):
        out = original(self, noisy, clean)
        calls["n"] += 1
        if calls["n"] == total // 2:
            os.kill(os.getpid(), signal.SIGINT)
        return out

    monkeypatch.setattr(SharpXRModel, "optimize_parameters", interrupt_half_way)
    first = run_train_inprocess(split)
    assert first["interrupted"] and first["step"] == total // 2
    assert _checkpoint(split)["step"] == total // 2
    monkeypatch.setattr(SharpXRModel, "optimize_parameters", original)
    second = run_train_inprocess(split)
    assert second["step"] == total and not second["interrupted"]

    a, b = _checkpoint(straight), _checkpoint(split)
    assert a["step"] == b["step"] == total
    nets = ["net_g", "net_g_ema"] if ema_decay else ["net_g"]
    assert ("net_g_ema" in a["model"]) == bool(ema_decay)
    for net in nets:
        for name, wa in a["model"][net].items():
            assert torch.allclose(wa, b["model"][net][name], atol=1e-6, rtol=0), f"{net}.{name} differs after resume"
    assert a["model"]["sched_g"]["last_epoch"] == b["model"]["sched_g"]["last_epoch"]

    starts = [e for e in _events(split) if e["event"] == "start"]
    assert [s["resumed"] for s in starts] == [False, True]
    assert starts[1]["step"] == total // 2
    assert any(e["event"] == "interrupted" for e in _events(split))


def test_restart_ignores_the_checkpoint(tmp_path):
    opt = _tiny(tmp_path, 2)
    run_train_inprocess(opt)
    run_train_inprocess(opt, restart=True)
    starts = [e for e in _events(opt) if e["event"] == "start"]
    assert [s["resumed"] for s in starts] == [False, False]


def test_cli_prints_json_lines(tiny_config_file, tiny_opt):
    proc = run_cli("train", "--config", tiny_config_file, "--set", "train.total_steps=4",
                   "--set", "logger.val_every=2", "--set", "logger.ckpt_every=2")
    assert proc.returncode == 0, proc.stderr
    events = []
    for line in proc.stdout.splitlines():
        record = json.loads(line)  # every stdout line is one JSON object
        assert isinstance(record, dict) and isinstance(record.get("event"), str)
        assert isinstance(record.get("time"), (int, float))
        events.append(record)
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "done"
    start = events[0]
    assert start["total_steps"] == 4 and start["step"] == 0 and start["stage"] == 1
    assert start["train_images"] == 4 and start["val_images"] == 1 and start["resumed"] is False
    assert start["config_hash"] and start["run_dir"].endswith("tiny")

    train = [e for e in events if e["event"] == "train"]
    assert [e["step"] for e in train] == [1, 2, 3, 4]
    for e in train:
        assert TRAIN_FIELDS <= set(e)
        assert e["total_steps"] == 4
        assert {"l1", "ssim", "total"} <= set(e["losses"])
        assert e["lr"] > 0 and e["images_per_sec"] > 0 and e["eta_sec"] >= 0
    assert train[-1]["eta_sec"] == 0

    val = [e for e in events if e["event"] == "val"]
    assert [e["step"] for e in val] == [2, 4]
    for e in val:
        assert {"psnr", "ssim", "psnr_noisy", "ssim_noisy"} <= set(e)
        assert 0 < e["ssim"] <= 1 and e["psnr"] > 0

    ckpts = [e for e in events if e["event"] == "checkpoint"]
    assert [c["step"] for c in ckpts] == [2, 4] and all(c["reason"] == "periodic" for c in ckpts)
    assert os.path.isfile(ckpts[-1]["path"])
    assert events[-1]["step"] == 4 and "psnr" in events[-1]

    run_dir = os.path.join(tiny_opt["runs_dir"], "tiny")
    with open(os.path.join(run_dir, "log.jsonl"), encoding="utf-8") as f:
        assert json_lines(f.read()) == events  # the run folder keeps the same log
    saved = load_config(os.path.join(run_dir, "config.yml"))
    assert saved["train"]["total_steps"] == 4  # --set overrides are part of the saved config
    assert torch.load(ckpts[-1]["path"], map_location="cpu")["config_hash"] == config_hash(saved)


def test_cli_error_is_a_json_event(tiny_config_file, tmp_path):
    proc = run_cli("train", "--config", tiny_config_file, "--set", f"datasets.train.root={tmp_path / 'nothing'}")
    assert proc.returncode == 2
    last = json_lines(proc.stdout)[-1]
    assert last["event"] == "error" and "nothing" in last["message"]
    assert "Traceback" not in proc.stderr


def test_sigint_saves_a_checkpoint_and_exits_130(tiny_config_file, tiny_opt):
    cmd = python_cmd("train", "--config", tiny_config_file, "--set", "train.total_steps=100000",
                     "--set", "logger.val_every=100000", "--set", "logger.ckpt_every=100000")
    proc = subprocess.Popen(cmd, cwd=REPO, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if json.loads(line)["event"] == "train":
                proc.send_signal(signal.SIGINT)
                break
        rest, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    events = json_lines("".join(lines) + rest)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    interrupted = [e for e in events if e["event"] == "interrupted"]
    assert len(interrupted) == 1 and interrupted[0]["signal"] == int(signal.SIGINT)
    step = interrupted[0]["step"]
    assert 1 <= step < 100000
    ckpt = [e for e in events if e["event"] == "checkpoint"]
    assert ckpt and ckpt[-1]["reason"] == "interrupted" and ckpt[-1]["step"] == step
    state = torch.load(ckpt[-1]["path"], map_location="cpu")
    assert state["step"] == step and "net_g" in state["model"]
    assert events[-1]["event"] == "interrupted"


def test_config_overrides_and_variables(tmp_path, monkeypatch):
    path = tmp_path / "c.yml"
    path.write_text("name: x\ndata: ${SHARPXR_TEST_DATA:-/default/data}/train\ntrain: {total_steps: 10}\n")
    monkeypatch.delenv("SHARPXR_TEST_DATA", raising=False)
    assert load_config(str(path))["data"] == "/default/data/train"
    monkeypatch.setenv("SHARPXR_TEST_DATA", "/mine")
    opt = load_config(str(path), ["train.total_steps=3", "train.optim_g.lr=1e-3", "logger.log_every=5"])
    assert opt["data"] == "/mine/train"
    assert opt["train"]["total_steps"] == 3 and opt["logger"]["log_every"] == 5
    assert float(opt["train"]["optim_g"]["lr"]) == 1e-3
    with pytest.raises(ValueError, match="key.path=value"):
        load_config(str(path), ["no-equals-sign"])
    # The hash ignores where runs are stored but not what defines the model.
    assert config_hash({**opt, "runs_dir": "a"}) == config_hash({**opt, "runs_dir": "b"})
    assert config_hash(opt) != config_hash({**opt, "seed": 5})


def test_distillation_pulls_the_student_towards_its_teacher(tiny_opt, tiny_checkpoint):
    """losses.distill: the student learns the teacher's outputs (here with no clean loss at all)."""
    opt = copy.deepcopy(tiny_opt)
    opt["network_g"] = {"channels": [8, 16], "shuffle": 2}  # another architecture than the teacher's
    opt["train"]["total_steps"] = 60
    opt["train"]["losses"] = {"l1": 0.0, "distill": {"teacher": tiny_checkpoint, "weight": 1.0}}
    torch.manual_seed(0)
    model = SharpXRModel(opt, torch.device("cpu"))
    assert all(not p.requires_grad for p in model.teacher.parameters())
    data = XRayTrainDataset(dict(opt["datasets"]["train"], patch_size=64, noise={"type": "gaussian", "sigma": 25}))
    noisy, clean = data.next_batch()
    steps = [model.optimize_parameters(noisy, clean) for _ in range(60)]
    assert set(steps[0]) == {"l1", "distill", "total"}
    first, last = steps[0]["distill"], sum(s["distill"] for s in steps[-5:]) / 5
    assert last < 0.5 * first, f"student did not approach the teacher: {first:.4f} -> {last:.4f}"
    from training.export import recipe
    assert "distill 1 from latest.pth" in recipe(opt)  # the teacher is named
