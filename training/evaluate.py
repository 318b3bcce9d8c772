"""`python3 -m training eval`: noisy input vs OpenCV NLM vs our models, at fixed noise settings.

Writes eval.json, eval.md (Markdown table) and grid.png (noisy | NLM | models... | clean,
each with its |error| map beneath) into --out.
"""
import json
import os
import time

import numpy as np
import torch

from .data.image_io import center_crop, list_images, read_image
from .data.layout import take_part
from .data.noise import apply_noise
from .eval_report import write_grid, write_markdown
from .export import load_generator
from .losses import ssim
from .models.sharpxr_model import psnr
from .onnx_node import NodeOnnxGenerator

SETTINGS = [
    {"key": "gaussian_10", "label": "Gaussian σ=10", "spec": {"type": "gaussian", "sigma": 10}},
    {"key": "gaussian_25", "label": "Gaussian σ=25", "spec": {"type": "gaussian", "sigma": 25}},
    {"key": "gaussian_50", "label": "Gaussian σ=50", "spec": {"type": "gaussian", "sigma": 50}},
    {"key": "poisson_gaussian", "label": "Poisson–Gaussian peak=200, read σ=2",
     "spec": {"type": "poisson_gaussian", "peak": 200, "read_sigma": 2, "transmitted": True}},
]
NLM_H_FACTORS = (0.4, 0.55, 0.7, 0.85, 1.0, 1.2)


def _load_clean(args):
    files = take_part(list_images(args.data, args.split), getattr(args, "holdout", 0), "val")
    if args.max_images:
        files = files[: args.max_images]
    images = []
    scale = float(getattr(args, "scale", 1.0) or 1.0)
    for f in files:
        img = read_image(f)
        if scale != 1.0:
            img = rescale(img, scale)
        if args.crop:
            img = center_crop(img, args.crop)
        images.append(torch.from_numpy(np.ascontiguousarray(img))[None, None])
    return files, images


def rescale(img: np.ndarray, factor: float) -> np.ndarray:
    """The film at `factor` of its size (area-averaged): the detail scale of a smaller film, as a
    model trained on 1024 px Kaggle films meets it on other detectors."""
    import cv2
    h, w = img.shape
    size = (max(8, round(w * factor)), max(8, round(h * factor)))
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC).clip(0, 1)


def pick_settings(keys) -> list:
    """The noise settings asked for (all when none): a cross-domain pass runs σ=25 alone."""
    if not keys:
        return SETTINGS
    known = {s["key"]: s for s in SETTINGS}
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise ValueError(f"--setting {', '.join(unknown)}: unknown; known are {', '.join(known)}")
    return [known[k] for k in keys]


def nlm(noisy: torch.Tensor, h: float) -> torch.Tensor:
    import cv2
    u8 = (noisy[0, 0].numpy() * 255.0).round().clip(0, 255).astype(np.uint8)
    out = cv2.fastNlMeansDenoising(u8, None, h=float(h), templateWindowSize=7, searchWindowSize=21)
    return torch.from_numpy(out.astype(np.float32) / 255.0)[None, None]


def tune_nlm(pairs, n_tune: int) -> float:
    """OpenCV NLM at its best: the h (filter strength) with the highest mean PSNR on a subset."""
    subset = pairs[: max(1, n_tune)]
    sigma_est = float(np.mean([(n - c).std().item() * 255.0 for n, c in subset]))
    best_h, best = None, -1.0
    for f in NLM_H_FACTORS:
        h = max(1.0, f * sigma_est)
        score = float(np.mean([psnr(nlm(n, h), c) for n, c in subset]))
        if score > best:
            best_h, best = h, score
    return best_h


def grad_energy(x: torch.Tensor) -> float:
    """Mean gradient magnitude: a sharpness figure (compared with the clean image's)."""
    dx = x[..., :, 1:] - x[..., :, :-1]
    dy = x[..., 1:, :] - x[..., :-1, :]
    return float(dx.abs().mean() + dy.abs().mean())


def _score(out, clean):
    return {"psnr": psnr(out, clean), "ssim": float(ssim(out.clamp(0, 1), clean)),
            "grad_ratio": grad_energy(out.clamp(0, 1)) / max(grad_energy(clean), 1e-12)}


def _mean(rows):
    return {k: round(float(np.mean([r[k] for r in rows])), 4) for k in rows[0]}


@torch.no_grad()
def evaluate_setting(si, setting, images, models, n_tune, with_nlm=True):
    """with_nlm=False scores candidates alone (NLM is most of the time): the noise draw is the
    same, so their figures sit beside an earlier run's NLM and shipped-model rows."""
    pairs = []
    for i, clean in enumerate(images):
        gen = torch.Generator().manual_seed(10_000 * (si + 1) + i)
        pairs.append((apply_noise(clean, setting["spec"], gen), clean))
    h = tune_nlm(pairs, n_tune) if with_nlm else None
    rows = {"noisy": [], **({"nlm": []} if with_nlm else {}), **{name: [] for name in models}}
    example = None
    for i, (noisy, clean) in enumerate(pairs):
        outs = {"noisy": noisy, **({"nlm": nlm(noisy, h)} if with_nlm else {})}
        for name, net in models.items():
            outs[name] = net(noisy).clamp(0, 1)
        for k, out in outs.items():
            rows[k].append(_score(out, clean))
        if i == 0:
            example = {**outs, "clean": clean}
    return {"key": setting["key"], "label": setting["label"], "nlm_h": round(h, 2) if with_nlm else None,
            "results": {k: _mean(v) for k, v in rows.items()}}, example


def evaluate(args) -> dict:
    torch.set_num_threads(int(os.environ.get("SHARPXR_THREADS", 0) or os.cpu_count() or 1))
    os.makedirs(args.out, exist_ok=True)
    models = {}
    for item in args.model:
        name, _, path = item.partition("=")
        if not path:
            raise ValueError(f"--model '{item}' must be NAME=CHECKPOINT")
        # An .onnx file runs through the node's runner (int8 forms have no PyTorch weights).
        models[name] = NodeOnnxGenerator(path) if path.endswith(".onnx") else load_generator(path)[0]
    try:
        return _run(args, models)
    finally:
        for net in models.values():
            if isinstance(net, NodeOnnxGenerator):
                net.close()


def _run(args, models) -> dict:
    files, images = _load_clean(args)
    with_nlm = not getattr(args, "no_nlm", False)
    t0 = time.time()
    results, examples = [], []
    for setting in pick_settings(getattr(args, "setting", None)):
        si = SETTINGS.index(setting)  # the same noise draw whichever settings run
        res, example = evaluate_setting(si, setting, images, models, args.nlm_tune_images, with_nlm)
        results.append(res)
        examples.append((setting["key"], example))  # ASCII: OpenCV fonts have no σ
        print(json.dumps({"event": "eval", **res}), flush=True)
    report = {"data": os.path.abspath(args.data), "images": len(files), "crop": args.crop,
              "scale": float(getattr(args, "scale", 1.0) or 1.0), "sizes": sorted({f"{im.shape[-1]}x{im.shape[-2]}" for im in images}),
              "methods": ["noisy", *(["nlm"] if with_nlm else []), *models], "models": {n: p for n, _, p in (m.partition("=") for m in args.model)},
              "settings": results, "seconds": round(time.time() - t0, 1)}
    _write(report, args.out)
    if getattr(args, "add_to", None):
        _write(add_methods(_read(args.add_to), report), os.path.dirname(os.path.abspath(args.add_to)))
    write_grid(examples, [*report["methods"], "clean"], os.path.join(args.out, "grid.png"))
    print(json.dumps({"event": "eval_done", "out": args.out, "seconds": report["seconds"]}), flush=True)
    return report


def _read(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _write(report: dict, out_dir: str) -> None:
    with open(os.path.join(out_dir, "eval.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
    write_markdown(report, os.path.join(out_dir, "eval.md"))


SAME_SET = ("data", "images", "crop", "scale")


def add_methods(base: dict, new: dict) -> dict:
    """`--add-to`: the new run's models added to an earlier report of the same images and noise
    draw (a model's row joins the shipped figures without re-running NLM, most of the time)."""
    for key in SAME_SET:
        if base.get(key, 1.0 if key == "scale" else None) != new.get(key):
            raise ValueError(f"--add-to: the report's {key} is {base.get(key)!r}, this run's {new.get(key)!r}: not the same set")
    added = [m for m in new["methods"] if m not in ("noisy", "nlm")]
    by_key = {s["key"]: s for s in new["settings"]}
    missing = [s["key"] for s in base["settings"] if s["key"] not in by_key]
    if missing:
        raise ValueError(f"--add-to: this run has no {', '.join(missing)} setting; run every setting the report has")
    for s in base["settings"]:
        for m in added:
            s["results"][m] = by_key[s["key"]]["results"][m]
    base["methods"] = [*[m for m in base["methods"] if m not in added], *added]
    base["models"] = {**base.get("models", {}), **{m: new["models"][m] for m in added}}
    return base
