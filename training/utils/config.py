"""YAML configs with dotted command-line overrides (--set train.total_steps=10)."""
import copy
import hashlib
import json
import os

import yaml


def load_config(path: str, overrides=()) -> dict:
    with open(path, "r", encoding="utf-8") as f:
        opt = yaml.safe_load(f) or {}
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep:
            raise ValueError(f"override '{item}' must look like key.path=value")
        set_dotted(opt, key.strip(), yaml.safe_load(raw))
    return expand_vars(opt)


def set_dotted(opt: dict, key: str, value) -> None:
    node = opt
    parts = key.split(".")
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value


def expand_vars(value):
    """${VAR} and ${VAR:-default} in strings, so configs can point at SHARPXR_DATA etc."""
    if isinstance(value, dict):
        return {k: expand_vars(v) for k, v in value.items()}
    if isinstance(value, list):
        return [expand_vars(v) for v in value]
    if isinstance(value, str) and "${" in value:
        return _expand(value)
    return value


def _expand(s: str) -> str:
    out, i = "", 0
    while i < len(s):
        j = s.find("${", i)
        if j < 0:
            return out + s[i:]
        k = s.index("}", j)
        name, _, default = s[j + 2:k].partition(":-")
        out += s[i:j] + os.environ.get(name, default)
        i = k + 1
    return out


def config_hash(opt: dict) -> str:
    """Stable short hash of everything that defines a model (the resolved config)."""
    clean = copy.deepcopy(opt)
    clean.pop("runs_dir", None)
    blob = json.dumps(clean, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def dump_config(opt: dict, path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(opt, f, sort_keys=False)
