# Peer of bench/subsets.ts: Optuna's TPESampler (default settings) and RandomSampler with one boolean
# categorical per source, on the synthetic subset instances the benchmark sends as JSON on stdin.
# Prints one JSON object: for each sampler and instance, the best value after each trial.
# Run with /usr/bin/python3 (Debian optuna).
import json
import sys
import time

import optuna
from optuna_curves import best_curve

optuna.logging.set_verbosity(optuna.logging.WARNING)


def value(inst, chosen):
    v = sum(inst["single"][i] for i in chosen)
    s = set(chosen)
    for i, j, gain in inst["pairs"]:
        if i in s and j in s:
            v += gain
    return v - inst["dilution"] * len(chosen) ** 2


def run(inst, kind, seed, trials):
    def objective(trial):
        chosen = [i for i in range(inst["sources"]) if trial.suggest_categorical(f"s{i}", [False, True])]
        return value(inst, chosen)

    return best_curve(kind, seed, "maximize", trials, objective)


def main():
    request = json.load(sys.stdin)
    out = {"optuna": optuna.__version__, "results": []}
    for kind in request["samplers"]:
        start = time.perf_counter()
        curves = [run(inst, kind, inst["seed"], request["trials"]) for inst in request["instances"]]
        out["results"].append({"sampler": kind, "curves": curves, "seconds": time.perf_counter() - start})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
