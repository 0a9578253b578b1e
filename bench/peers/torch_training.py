"""PyTorch peer of `npm run bench -- training`: trains the same MLP on the same rows and prints JSON.

Run by bench/training.ts (through bench/python-peer.ts) with /usr/bin/python3 (Debian python3-torch).
Reads a JSON request on stdin:
  {"data": PATH, "rows": N, "cols": D, "classes": C, "hidden": [..], "batch": B, "epochs": E,
   "lr": LR, "repeats": R, "seed": S}
and optionally "cnn": {"input_shape": [H, W, C], "conv": [{"filters": F, "kernel": K, "pool": P}, ..]}
for the CNN case: conv blocks (zero "same" padding, stride 1, ReLU, max pooling P x P), then the
hidden Linear layers; the rows (H x W x C row-major, as tasksieve reads them) are turned to NCHW once,
before the timing.
PATH holds N*D float32 features then N int32 labels (little-endian), written by the benchmark.
Prints one JSON line: {"torch": VERSION, "threads": 1, "samples_per_s": [..], "samples_per_cpu_s": [..]}
(one per repeat; per second of wall time and of this process's CPU time).
The loop is the idiomatic one (Adam, softmax cross-entropy, a seeded permutation per epoch, the last
batch possibly smaller), one thread, as the design's reference measurement.
"""
import json
import sys
import time

import numpy as np
import torch


def build_mlp(cols, hidden, classes):
    widths = [cols, *hidden, classes]
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def build_cnn(cnn, hidden, classes):
    height, width, channels = cnn["input_shape"]
    layers = []
    for block in cnn["conv"]:
        kernel = block["kernel"]
        if kernel % 2 == 0:
            raise SystemExit("the peer builds odd kernels only (symmetric same padding)")
        layers.append(torch.nn.Conv2d(channels, block["filters"], kernel, padding=kernel // 2))
        layers.append(torch.nn.ReLU())
        pool = block.get("pool", 1)
        if pool > 1:
            layers.append(torch.nn.MaxPool2d(pool))
        channels = block["filters"]
        height, width = height // pool, width // pool
    layers.append(torch.nn.Flatten())
    layers.append(build_mlp(channels * height * width, hidden, classes))
    return torch.nn.Sequential(*layers)


def main() -> None:
    spec = json.loads(sys.stdin.read())
    torch.set_num_threads(1)
    torch.manual_seed(spec["seed"])
    rows, cols = spec["rows"], spec["cols"]
    raw = np.fromfile(spec["data"], dtype="<f4", count=rows * cols)
    labels = np.fromfile(spec["data"], dtype="<i4", offset=rows * cols * 4, count=rows)
    x = torch.from_numpy(raw.reshape(rows, cols).copy())
    y = torch.from_numpy(labels.astype(np.int64))
    cnn = spec.get("cnn")
    if cnn is not None:
        height, width, channels = cnn["input_shape"]
        x = x.reshape(rows, height, width, channels).permute(0, 3, 1, 2).contiguous()

    results = []
    cpu_results = []
    for _ in range(spec["repeats"]):
        model = build_cnn(cnn, spec["hidden"], spec["classes"]) if cnn is not None else build_mlp(cols, spec["hidden"], spec["classes"])
        optimizer = torch.optim.Adam(model.parameters(), lr=spec["lr"])
        loss_fn = torch.nn.CrossEntropyLoss()
        batch = spec["batch"]
        started = time.perf_counter()
        cpu_started = time.process_time()
        for _epoch in range(spec["epochs"]):
            order = torch.randperm(rows)
            for start in range(0, rows, batch):
                idx = order[start : start + batch]
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                optimizer.step()
                # The tfjs loops read every batch's loss back (to stop on a non-finite one): so does this.
                if not torch.isfinite(loss).item():
                    raise SystemExit("loss became non-finite")
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        results.append(rows * spec["epochs"] / elapsed)
        cpu_results.append(rows * spec["epochs"] / cpu)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "samples_per_s": results, "samples_per_cpu_s": cpu_results}))


if __name__ == "__main__":
    main()
