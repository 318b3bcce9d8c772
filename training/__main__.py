"""Command line: python3 -m training {train,eval,export,quantize,infer} ..."""
import argparse
import json
import sys

from .utils.config import load_config


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m training", description="SharpXR training, evaluation and export")
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train one stage from a YAML config (resumes if the run exists)")
    t.add_argument("--config", required=True)
    t.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config value")
    t.add_argument("--restart", action="store_true", help="ignore an existing checkpoint of this run")
    t.add_argument("--data", help="dataset folder for train and val (Kaggle layout, train/ + val/, or flat)")
    e = sub.add_parser("eval", help="PSNR/SSIM of noisy, NLM and models on a folder")
    e.add_argument("--data", required=True)
    e.add_argument("--model", action="append", default=[], metavar="NAME=CHECKPOINT")
    e.add_argument("--out", required=True)
    e.add_argument("--split", default="val", help="split to use when --data has the Kaggle layout")
    e.add_argument("--max-images", type=int, default=0)
    e.add_argument("--holdout", type=int, default=0, help="use only the last N images (a flat folder's validation part)")
    e.add_argument("--crop", type=int, default=0, help="evaluate on centre crops of this size (0 = whole images)")
    e.add_argument("--nlm-tune-images", type=int, default=4)
    e.add_argument("--no-nlm", action="store_true", help="score the models alone (same noise draw; NLM is most of the time)")
    e.add_argument("--add-to", metavar="EVAL_JSON", help="also add these models' rows to an earlier eval.json of the same images (its eval.md too)")
    e.add_argument("--scale", type=float, default=1.0, help="resize each film by this factor first (0.5, 0.25: the detail scale of smaller films)")
    e.add_argument("--setting", action="append", default=[], metavar="KEY", help="only these noise settings (gaussian_10, gaussian_25, gaussian_50, poisson_gaussian)")
    x = sub.add_parser("export", help="export a generator checkpoint to ONNX")
    src = x.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", help="training checkpoint (latest.pth) or exported .pt")
    src.add_argument("--untrained-config", metavar="YAML",
                     help="random weights of this config's architecture: for speed benchmarks only")
    x.add_argument("--out", required=True)
    x.add_argument("--name", default="sharpxr")
    x.add_argument("--version", default="0.0.0")
    x.add_argument("--opset", type=int, default=17)
    q = sub.add_parser("quantize", help="int8 form of an exported float ONNX generator (static, calibrated)")
    q.add_argument("--weights", required=True, help="the model's exported .pt (calibration runs in PyTorch)")
    q.add_argument("--onnx", required=True, help="the model's float .onnx (the graph that is rewritten)")
    q.add_argument("--out", required=True)
    q.add_argument("--calib-data", required=True, help="folder of clean training films for the activation ranges")
    q.add_argument("--calib-images", type=int, default=32)
    q.add_argument("--keep-float", metavar="NAMES", help="comma-separated node-name parts left float "
                   "(default: the full-resolution layers; '' quantises every learned conv but the output)")
    i = sub.add_parser("infer", help="run a generator in PyTorch on raw little-endian float32 data")
    i.add_argument("--weights", required=True, help="exported .pt or a training checkpoint")
    i.add_argument("--input", required=True)
    i.add_argument("--shape", required=True, help="N,1,H,W")
    i.add_argument("--out", required=True)
    args = p.parse_args(argv)
    try:
        return _run(args)
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        print(json.dumps({"event": "error", "message": str(exc)}), flush=True)
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _run(args) -> int:
    if args.cmd == "train":
        from .train import train
        opt = load_config(args.config, args.set)
        if args.data:
            from .data.layout import apply_data_root
            apply_data_root(opt, args.data)
        result = train(opt, restart=args.restart)
        return 130 if result.get("interrupted") else 0
    if args.cmd == "eval":
        from .evaluate import evaluate
        evaluate(args)
        return 0
    if args.cmd == "quantize":
        from .quantize import quantize
        keep = None if args.keep_float is None else [k for k in args.keep_float.split(",") if k]
        quantize(args.weights, args.onnx, args.out, args.calib_data, args.calib_images, keep)
        return 0
    if args.cmd == "infer":
        from .infer import infer_raw
        infer_raw(args.weights, args.input, [int(v) for v in args.shape.split(",")], args.out)
        return 0
    from .export import export
    if args.untrained_config:
        from .export import export_untrained
        export_untrained(load_config(args.untrained_config), args.out, args.name, args.opset)
        return 0
    export(args.checkpoint, args.out, args.name, args.version, args.opset)
    return 0


if __name__ == "__main__":
    sys.exit(main())
