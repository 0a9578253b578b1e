"""PyTorch peer of the stacked part of `npm run bench -- training`: K MLPs trained one after another
(the idiomatic loop, one nn.Sequential and one Adam per model) and K MLPs trained stacked (weights as
[K, in, out] tensors, torch.baddbmm per layer, one Adam over the stacked parameters, every model its
own permutation per epoch). Prints JSON.

Run by bench/training.ts (through bench/python-peer.ts) with /usr/bin/python3 (Debian python3-torch)
and, when present, /work/venv/bin/python (a newer CPU torch). Reads a JSON request on stdin:
  {"data": PATH, "rows": N, "cols": D, "classes": C, "hidden": [..], "batch": B, "epochs": E,
   "lr": LR, "ks": [1, 2, ..], "seed": S}
PATH holds N*D float32 features then N int32 labels (little-endian), written by the benchmark.
Prints one JSON line: {"torch": VERSION, "threads": 1, "one_at_a_time": {"samples_per_cpu_s": X,
"samples_per_s": Y}, "stacked": {"K": {"samples_per_cpu_s": .., "samples_per_s": ..}, ..}}
(one-at-a-time: one model; its rate per sample does not depend on K).
"""
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def one_at_a_time(x, y, widths, spec):
    rows = x.shape[0]
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.Adam(model.parameters(), lr=spec["lr"])
    batch = spec["batch"]
    for _epoch in range(spec["epochs"]):
        order = torch.randperm(rows)
        for start in range(0, rows, batch):
            idx = order[start : start + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
            # The tfjs loops read every batch's loss back (to stop on a non-finite one): so does this.
            if not torch.isfinite(loss).item():
                raise SystemExit("loss became non-finite")
    return rows * spec["epochs"]


def stacked(x, y, widths, spec, k):
    rows = x.shape[0]
    weights = []
    biases = []
    for i in range(len(widths) - 1):
        # nn.Linear's default initialisation, per model.
        bound = 1 / math.sqrt(widths[i])
        weights.append(torch.empty(k, widths[i], widths[i + 1]).uniform_(-bound, bound).requires_grad_())
        biases.append(torch.empty(k, 1, widths[i + 1]).uniform_(-bound, bound).requires_grad_())
    optimizer = torch.optim.Adam([*weights, *biases], lr=spec["lr"])
    batch = spec["batch"]
    last = len(widths) - 2
    for _epoch in range(spec["epochs"]):
        orders = torch.stack([torch.randperm(rows) for _ in range(k)])
        for start in range(0, rows, batch):
            idx = orders[:, start : start + batch]
            h = x[idx]
            for i in range(len(weights)):
                h = torch.baddbmm(biases[i], h, weights[i])
                if i < last:
                    h = torch.relu(h)
            # The sum of every model's mean loss: each model's parameters get their own gradient.
            n = idx.shape[1]
            per_row = F.cross_entropy(h.reshape(k * n, -1), y[idx].reshape(-1), reduction="none")
            loss = per_row.view(k, n).mean(1).sum()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if not torch.isfinite(loss).item():
                raise SystemExit("loss became non-finite")
    return k * rows * spec["epochs"]


def timed(run):
    started = time.perf_counter()
    cpu_started = time.process_time()
    samples = run()
    return {"samples_per_s": samples / (time.perf_counter() - started), "samples_per_cpu_s": samples / (time.process_time() - cpu_started)}


def main() -> None:
    spec = json.loads(sys.stdin.read())
    torch.set_num_threads(1)
    torch.manual_seed(spec["seed"])
    rows, cols = spec["rows"], spec["cols"]
    raw = np.fromfile(spec["data"], dtype="<f4", count=rows * cols)
    labels = np.fromfile(spec["data"], dtype="<i4", offset=rows * cols * 4, count=rows)
    x = torch.from_numpy(raw.reshape(rows, cols).copy())
    y = torch.from_numpy(labels.astype(np.int64))
    widths = [cols, *spec["hidden"], spec["classes"]]
    # One untimed run of each first: the first calls of a fresh process pay for allocator warm-up.
    one_at_a_time(x, y, widths, {**spec, "epochs": 1})
    stacked(x, y, widths, {**spec, "epochs": 1}, 2)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "one_at_a_time": timed(lambda: one_at_a_time(x, y, widths, spec)), "stacked": {}}
    for k in spec["ks"]:
        out["stacked"][str(k)] = timed(lambda: stacked(x, y, widths, spec, k))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
