"""PyTorch peer of `npm run bench -- agreement`: the exhaustive truth of a transfer case, every subset
of the sources x every target x every seed, under the protocol tasksieve runs, and prints JSON.

Run by bench/agreement.ts (through bench/python-peer.ts) with /usr/bin/python3 (Debian python3-torch).
Reads a JSON request on stdin:
  {"data": PATH, "cols": D, "classes": C,
   "blocks": {NAME: {"offset": ROW, "rows": N}},           rows of PATH, see below
   "sources": [NAME, ..],                                   source blocks, in study order
   "targets": [{"name": T, "splits": [{"train": NAME, "validation": NAME}, ..]}],  one split per seed
   "hidden": [..], "activation": "relu", "lr": LR, "batch": B, "pretrain_epochs": E0, "epochs": E,
   "scaling": "standard" | "none", "head": "keep" | "reinit", "freeze_layers": K, "seed": S}
PATH holds, for the blocks in offset order, all features (float32, rows x D) then all labels (int32),
little-endian; a block's rows are rows offset..offset+rows-1 of both arrays.
Prints one JSON line: {"torch": VERSION, "threads": 1, "seconds": S, "trainings": N,
  "units": {SUBSET_KEY: [{"target": T, "seedIndex": I, "value": ACC, "gain": ACC - BASELINE}, ..]}}
where SUBSET_KEY is the chosen sources in study order joined by commas ('' = target only).

The protocol, as tasksieve's finetune strategy runs it: one MLP (He-uniform kernels under relu,
Glorot-uniform head, zero biases), softmax cross-entropy, Adam with the tfjs defaults (beta1 0.9,
beta2 0.999, eps 1e-7), a fresh optimiser per phase, a seeded permutation of the rows every epoch
(the last batch may be smaller). Pre-train on the union of the chosen sources, then (head "reinit")
draw a fresh head, freeze the first K hidden layers, fine-tune on the target's labelled rows. Scaling
"standard" standardises every feature with the mean and population std of the rows the unit trains
on (the chosen sources and the target's labelled rows; a constant column is only centred), applied to
every row including validation. The baseline is the same seed without sources: same initial weights
and the same fine-tuning shuffles, so gain = accuracy - baseline accuracy is paired as in tasksieve.
"""
import itertools
import json
import sys
import time

import numpy as np
import torch


def build(widths, activation, seed):
    """The MLP with seeded initialisers (torch.nn.init draws from the global RNG in torch 1.13)."""
    torch.manual_seed(seed)
    layers = []
    for i in range(len(widths) - 1):
        linear = torch.nn.Linear(widths[i], widths[i + 1])
        head = i == len(widths) - 2
        with torch.no_grad():
            if head or activation not in ("relu", "elu"):
                torch.nn.init.xavier_uniform_(linear.weight)
            else:
                torch.nn.init.kaiming_uniform_(linear.weight, nonlinearity="relu")
            linear.bias.zero_()
        layers.append(linear)
        if not head:
            layers.append({"relu": torch.nn.ReLU(), "tanh": torch.nn.Tanh(), "sigmoid": torch.nn.Sigmoid(), "elu": torch.nn.ELU()}[activation])
    return torch.nn.Sequential(*layers)


def train(model, params, x, y, epochs, batch, lr, generator):
    if epochs <= 0 or len(y) == 0 or not params:
        return
    optimizer = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    rows = len(y)
    batch = max(1, min(batch, rows))
    for _ in range(epochs):
        order = torch.randperm(rows, generator=generator)
        for start in range(0, rows, batch):
            idx = order[start : start + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
            if not torch.isfinite(loss).item():
                raise SystemExit("loss became non-finite")


def main() -> None:
    spec = json.loads(sys.stdin.read())
    torch.set_num_threads(1)
    cols = spec["cols"]
    total = sum(b["rows"] for b in spec["blocks"].values())
    features = np.fromfile(spec["data"], dtype="<f4", count=total * cols).reshape(total, cols)
    labels = np.fromfile(spec["data"], dtype="<i4", offset=total * cols * 4, count=total).astype(np.int64)

    def block(name):
        b = spec["blocks"][name]
        return features[b["offset"] : b["offset"] + b["rows"]], labels[b["offset"] : b["offset"] + b["rows"]]

    sources = spec["sources"]
    widths = [cols, *spec["hidden"], spec["classes"]]
    n_hidden = len(spec["hidden"])
    seed = spec["seed"]
    started = time.perf_counter()
    trainings = 0

    def unit(chosen, train_block, validation_block, seed_index):
        """Validation accuracy of one (subset, target, seed)."""
        xt, yt = block(train_block)
        xv, yv = block(validation_block)
        parts = [block(s) for s in chosen]
        xs = np.concatenate([p[0] for p in parts]) if parts else np.zeros((0, cols), np.float32)
        ys = np.concatenate([p[1] for p in parts]) if parts else np.zeros((0,), np.int64)
        if spec["scaling"] == "standard":
            fit = np.concatenate([xs, xt]).astype(np.float64)
            mean = fit.mean(axis=0)
            std = fit.std(axis=0)
            std[std < 1e-12] = 1.0
            scale = lambda a: ((a - mean) / std).astype(np.float32)
            xs, xt, xv = scale(xs), scale(xt), scale(xv)
        elif spec["scaling"] != "none":
            raise SystemExit(f"scaling {spec['scaling']!r} is not implemented here")
        unit_seed = seed * 1000 + seed_index
        model = build(widths, spec["activation"], unit_seed * 10 + 1)
        transfer = len(chosen) > 0 and spec["pretrain_epochs"] > 0
        if transfer:
            train(model, list(model.parameters()), torch.from_numpy(xs), torch.from_numpy(ys), spec["pretrain_epochs"], spec["batch"], spec["lr"], torch.Generator().manual_seed(unit_seed * 10 + 2))
            if spec["head"] == "reinit":
                head = model[-1]
                torch.manual_seed(unit_seed * 10 + 3)
                with torch.no_grad():
                    torch.nn.init.xavier_uniform_(head.weight)
                    head.bias.zero_()
            elif spec["head"] != "keep":
                raise SystemExit(f"head {spec['head']!r} is not implemented here")
        linears = [m for m in model if isinstance(m, torch.nn.Linear)]
        frozen = min(spec["freeze_layers"], n_hidden) if transfer else 0
        params = [p for layer in linears[frozen:] for p in layer.parameters()]
        train(model, params, torch.from_numpy(xt), torch.from_numpy(yt), spec["epochs"], spec["batch"], spec["lr"], torch.Generator().manual_seed(unit_seed * 10 + 4))
        with torch.no_grad():
            predicted = model(torch.from_numpy(xv)).argmax(dim=1).numpy()
        return float((predicted == yv).mean())

    units = {}
    baselines = {}
    for size in range(len(sources) + 1):
        for chosen in itertools.combinations(sources, size):
            rows = []
            for target in spec["targets"]:
                for seed_index, split in enumerate(target["splits"]):
                    value = unit(list(chosen), split["train"], split["validation"], seed_index)
                    trainings += 1
                    if size == 0:
                        baselines[(target["name"], seed_index)] = value
                    rows.append({"target": target["name"], "seedIndex": seed_index, "value": value, "gain": value - baselines[(target["name"], seed_index)]})
            units[",".join(chosen)] = rows
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "seconds": time.perf_counter() - started, "trainings": trainings, "units": units}))


if __name__ == "__main__":
    main()
