"""Progress reporting: one JSON object per line on stdout for machines (schema in
training/README.md), and a human progress bar on stderr when stderr is a terminal."""
import json
import os
import sys
import time


class Reporter:
    def __init__(self, total_steps: int, start_step: int = 0, log_file=None, stream=None, bar=None):
        self.total = total_steps
        self.stream = stream or sys.stdout
        self.bar = sys.stderr.isatty() if bar is None else bar
        self.log_file = log_file
        self.t0 = time.time()
        self.start_step = start_step
        # Set when whoever reads stdout went away (the node that started the run was killed):
        # the training loop then saves a checkpoint and stops instead of dying on the next print.
        self.orphaned = False

    def emit(self, event: str, **fields) -> None:
        record = {"event": event, "time": round(time.time(), 3), **fields}
        line = json.dumps(record, separators=(",", ":"))
        if not self.orphaned:
            try:
                print(line, file=self.stream, flush=True)
            except BrokenPipeError:
                self.orphaned = True
                # Python would report the broken pipe again when it flushes stdout at exit.
                sys.stdout = open(os.devnull, "w", encoding="utf-8")
        if self.log_file:
            self.log_file.write(line + "\n")
            self.log_file.flush()

    def rates(self, step: int, batch_size: int):
        done = max(step - self.start_step, 1)
        elapsed = max(time.time() - self.t0, 1e-6)
        per_step = elapsed / done
        return batch_size / per_step, per_step * max(self.total - step, 0)

    def train(self, step: int, losses: dict, lr: float, batch_size: int) -> None:
        ips, eta = self.rates(step, batch_size)
        self.emit("train", step=step, total_steps=self.total, losses={k: round(v, 6) for k, v in losses.items()},
                  lr=lr, images_per_sec=round(ips, 3), eta_sec=round(eta, 1))
        if self.bar:
            frac = step / max(self.total, 1)
            filled = int(30 * frac)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {step}/{self.total} "
                             f"loss {losses.get('total', 0):.4f}  {ips:.1f} img/s  ETA {eta / 60:.1f} min ")
            sys.stderr.flush()
