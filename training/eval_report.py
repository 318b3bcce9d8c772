"""Human-readable outputs of the evaluation: a Markdown table and a PNG comparison grid."""
import cv2
import numpy as np
import torch

from .utils.labels import draw_label

GRID_CROP = 320
ERR_GAIN = 4.0  # |error| x4 so that residual structure is visible to the eye


def write_markdown(report: dict, path: str) -> None:
    methods = report["methods"]
    lines = [f"Evaluation on {report['images']} images of `{report['data']}`"
             + (f" at {report['scale']:g}x their size" if report.get("scale", 1.0) != 1.0 else "")
             + (f" (centre crops {report['crop']} px)" if report["crop"] else " (whole images)"),
             "", "PSNR (dB) / SSIM; grad = mean gradient magnitude relative to the clean image (1.0 = as sharp).", "",
             "| noise | " + " | ".join(methods) + " | NLM h |",
             "|---|" + "---|" * len(methods) + "---|"]
    for s in report["settings"]:
        cells = [f"{s['results'][m]['psnr']:.2f} / {s['results'][m]['ssim']:.4f} (grad {s['results'][m]['grad_ratio']:.2f})"
                 for m in methods]
        lines.append(f"| {s['label']} | " + " | ".join(cells) + f" | {s['nlm_h']} |")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def _crop(t: torch.Tensor) -> np.ndarray:
    a = t[0, 0].numpy()
    h, w = a.shape
    c = min(GRID_CROP, h, w)
    # Centre-left crop: on a PA chest film this holds lung, rib and heart edges.
    y, x = (h - c) // 2, max(0, w // 3 - c // 2)
    return a[y:y + c, x:x + c]


def _label(img: np.ndarray, texts) -> np.ndarray:
    return draw_label(img.copy(), texts, 0.6)


def write_grid(examples, columns, path: str) -> None:
    """Per noise setting two rows: the images, then |image - clean| x ERR_GAIN."""
    rows = []
    for label, ex in examples:
        clean = _crop(ex["clean"])
        tiles, errs = [], []
        for col in columns:
            img = _crop(ex[col])
            tiles.append(_label((img.clip(0, 1) * 255).astype(np.uint8), (f"{col} | {label}", col) if col == "noisy" else col))
            err = (np.abs(img - clean) * ERR_GAIN).clip(0, 1)
            errs.append(_label((err * 255).astype(np.uint8), (f"|{col} - clean| x{ERR_GAIN:g}", f"|{col} - clean|", f"err {col}")))
        rows += [np.concatenate(tiles, axis=1), np.concatenate(errs, axis=1)]
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 0), (0, width - r.shape[1]))) for r in rows]
    cv2.imwrite(path, np.concatenate(rows, axis=0))
