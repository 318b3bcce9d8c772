"""`python3 -m training train`: runs one stage, resumable, Ctrl-C safe."""
import os
import random
import signal
import time

import torch

from .data import XRayTrainDataset, XRayValDataset
from .models.sharpxr_model import SharpXRModel
from .utils.checkpoint import load_checkpoint, save_checkpoint
from .utils.config import config_hash, dump_config
from .utils.progress import Reporter
from .utils.samples import write_sample


def pick_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


class StopFlag:
    """Turns SIGINT/SIGTERM into a request to save and leave at the next step boundary."""

    def __init__(self):
        self.stop = False
        self.signal = None
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._handle)

    def _handle(self, signum, _frame):
        self.stop = True
        self.signal = signum


def prepare_run_dir(opt: dict) -> str:
    run_dir = os.path.join(opt.get("runs_dir", "runs"), opt["name"])
    os.makedirs(os.path.join(run_dir, "checkpoints"), exist_ok=True)
    # The config in force is copied into every run folder (BasicSR habit): a run explains itself.
    dump_config(opt, os.path.join(run_dir, "config.yml"))
    return run_dir


def train(opt: dict, restart: bool = False) -> dict:
    seed = int(opt.get("seed", 0))
    random.seed(seed)
    torch.manual_seed(seed)
    threads = int(opt.get("threads", 0) or os.environ.get("SHARPXR_THREADS", 0) or os.cpu_count() or 1)
    torch.set_num_threads(threads)
    device = pick_device(opt.get("device", "auto"))
    run_dir = prepare_run_dir(opt)
    ckpt_path = os.path.join(run_dir, "checkpoints", "latest.pth")
    model = SharpXRModel(opt, device)
    train_set = XRayTrainDataset(opt["datasets"]["train"], seed=seed)
    val_opt = dict(opt["datasets"]["val"])
    val_set = XRayValDataset(val_opt.pop("root"), val_opt.pop("noise"), **val_opt)
    step = 0
    if os.path.exists(ckpt_path) and not restart:
        state = load_checkpoint(ckpt_path, device)
        model.load_state_dict(state["model"])
        train_set.load_state_dict(state["data"])
        step = int(state["step"])
    elif opt.get("train", {}).get("init_from"):
        model.init_generator_from(opt["train"]["init_from"])
    grafted = 0
    if step == 0 and opt.get("train", {}).get("graft_from"):
        graft = opt["train"]["graft_from"]
        grafted = model.graft_generator_from(graft["weights"], int(graft.get("offset", 1)))
    log = open(os.path.join(run_dir, "log.jsonl"), "a", encoding="utf-8")
    rep = Reporter(model.total_steps, start_step=step, log_file=log)
    rep.emit("start", run_dir=run_dir, stage=model.stage, step=step, total_steps=model.total_steps,
             device=str(device), threads=threads, config_hash=config_hash(opt), train_images=len(train_set),
             val_images=len(val_set), resumed=step > 0, layout=opt["datasets"].get("layout"),
             holdout=int(opt["datasets"]["val"].get("holdout", 0) or 0), val_root=opt["datasets"]["val"]["root"],
             val_split=opt["datasets"]["val"].get("split", "val"), grafted_tensors=grafted)
    try:
        return _loop(opt, model, train_set, val_set, rep, step, run_dir)
    finally:
        log.close()


def _save(model, train_set, step, opt, ckpt_path, rep, reason):
    save_checkpoint(ckpt_path, {"model": model.state_dict(), "data": train_set.state_dict(), "step": step,
                                "config": opt, "config_hash": config_hash(opt)})
    rep.emit("checkpoint", step=step, path=ckpt_path, reason=reason)


def _validate(model, val_set, rep, step, run_dir, batch_size) -> dict:
    metrics = model.validate(val_set)
    sample = write_sample(model.net_g_shipped, val_set, run_dir, step)
    rep.emit("val", step=step, **{k: round(v, 4) for k, v in metrics.items()}, sample=sample,
             eta_sec=round(rep.rates(step, batch_size)[1], 1))
    return metrics


def _loop(opt, model, train_set, val_set, rep, step, run_dir) -> dict:
    ckpt_path = os.path.join(run_dir, "checkpoints", "latest.pth")
    log_opt = opt.get("logger", {})
    log_every = int(log_opt.get("log_every", 20))
    val_every = int(log_opt.get("val_every", 500))
    ckpt_every = int(log_opt.get("ckpt_every", 250))
    stop = StopFlag()
    metrics = {}
    t_start = time.time()
    while step < model.total_steps and not stop.stop and not rep.orphaned:
        noisy, clean = train_set.next_batch()
        losses = model.optimize_parameters(noisy, clean)
        step += 1
        if step % log_every == 0 or step == model.total_steps:
            rep.train(step, losses, model.optim_g.param_groups[0]["lr"], train_set.batch_size)
        if step % val_every == 0 or step == model.total_steps:
            metrics = _validate(model, val_set, rep, step, run_dir, train_set.batch_size)
        if step % ckpt_every == 0 or step == model.total_steps:
            _save(model, train_set, step, opt, ckpt_path, rep, "periodic")
    if stop.stop or rep.orphaned:
        _save(model, train_set, step, opt, ckpt_path, rep, "interrupted")
        # signal 0: nobody signalled; stdout's reader is gone (see Reporter.orphaned)
        rep.emit("interrupted", step=step, signal=int(stop.signal or 0))
        return {"step": step, "interrupted": True, **metrics}
    rep.emit("done", step=step, seconds=round(time.time() - t_start, 1), **metrics)
    return {"step": step, "interrupted": False, **metrics}
