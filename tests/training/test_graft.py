"""graft_from: a half-resolution network starts from a deeper trained network's lower levels."""
import copy
import json
import os

import pytest
import torch

from training.archs import build_generator
from training.export import recipe
from training.models.graft import graft_key, graft_state
from training.models.sharpxr_model import SharpXRModel

from conftest import run_train_inprocess


def test_keys_shift_encoders_and_keep_the_deepest_decoders():
    assert graft_key("encoders.0.0.weight", 1, 3) == "encoders.1.0.weight"
    assert graft_key("downs.2.bias", 1, 3) == "downs.3.bias"
    assert graft_key("decoders.2.fuse.0.weight", 1, 3) == "decoders.2.fuse.0.weight"
    assert graft_key("head.0.weight", 1, 3) == "" and graft_key("tail.weight", 1, 3) == ""


def test_student_takes_the_teachers_lower_levels_and_keeps_its_own_head_and_tail():
    torch.manual_seed(0)
    teacher = build_generator({"channels": [8, 16, 32]}).state_dict()
    student_net = build_generator({"channels": [16, 32], "shuffle": 2})
    student = student_net.state_dict()
    grafted, taken = graft_state(student, teacher, offset=1, student_depth=student_net.depth)
    assert torch.equal(grafted["encoders.0.0.weight"], teacher["encoders.1.0.weight"])
    assert torch.equal(grafted["downs.0.weight"], teacher["downs.1.weight"])
    assert torch.equal(grafted["decoders.0.body.0.weight"], teacher["decoders.0.body.0.weight"])
    assert torch.equal(grafted["head.0.weight"], student["head.0.weight"])
    assert torch.equal(grafted["tail.weight"], student["tail.weight"])
    level_keys = [k for k in student if k.startswith(("downs.", "encoders.", "decoders."))]
    assert taken == len(level_keys) > 0


def test_a_network_nothing_fits_is_refused(tiny_opt, tiny_checkpoint):
    opt = copy.deepcopy(tiny_opt)
    opt["network_g"] = {"channels": [12, 24], "shuffle": 2}
    model = SharpXRModel(opt, torch.device("cpu"))
    with pytest.raises(ValueError, match="no tensor"):
        model.graft_generator_from(tiny_checkpoint, 1)


def test_a_grafted_run_logs_what_it_took_and_its_recipe_says_so(tiny_opt, tiny_checkpoint):
    opt = copy.deepcopy(tiny_opt)
    opt["network_g"] = {"channels": [16, 32], "convs_per_block": 2, "shuffle": 2}
    opt["train"]["total_steps"] = 2
    opt["train"]["graft_from"] = {"weights": tiny_checkpoint, "offset": 1}
    run_train_inprocess(opt)
    with open(os.path.join(opt["runs_dir"], "tiny", "log.jsonl"), encoding="utf-8") as f:
        start = next(json.loads(line) for line in f if '"start"' in line)
    assert start["grafted_tensors"] > 0
    assert "grafted from latest.pth (offset 1)" in recipe(opt)
