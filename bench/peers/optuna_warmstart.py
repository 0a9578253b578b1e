# Peer of bench/warmstart.ts: Optuna's answer to a warm start. For each pair, an earlier TPE study on
# the earlier function, then the new study on the new function with the earlier study's best trials
# enqueued first (enqueue_trial: what Optuna's docs and issues recommend), then TPE as usual.
# Reads a JSON request on stdin; prints, per pair and seed, the new study's value after each trial.
# Run with /usr/bin/python3 (Debian optuna).
import json
import math
import sys

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def make(name, shift):
    d = len(shift)

    def z(x):
        return [x[i] - shift[i] for i in range(d)]

    if name == "sphere":
        return lambda x: sum(v * v for v in z(x))
    if name == "ellipsoid":
        return lambda x: sum(10 ** (6 * i / (d - 1)) * v * v for i, v in enumerate(z(x)))
    if name == "rastrigin":
        return lambda x: 10 * d + sum(v * v - 10 * math.cos(2 * math.pi * v) for v in z(x))
    if name == "rosenbrock":
        def f(x):
            u = [v + 1 for v in z(x)]
            return sum(100 * (u[i + 1] - u[i] ** 2) ** 2 + (1 - u[i]) ** 2 for i in range(d - 1))
        return f
    raise ValueError(name)


def run(fn, low, high, dim, seed, trials, enqueue=()):
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    for params in enqueue:
        study.enqueue_trial(params)
    study.optimize(lambda t: fn([t.suggest_float(f"x{i}", low, high) for i in range(dim)]), n_trials=trials)
    return study


def main():
    req = json.load(sys.stdin)
    out = {"version": optuna.__version__, "pairs": {}}
    for pair in req["pairs"]:
        earlier = make(pair["function"], pair["earlier_shift"])
        new = make(pair["new_function"], pair["new_shift"])
        dim = len(pair["earlier_shift"])
        curves = {}
        for seed in req["seeds"]:
            prior = run(earlier, req["low"], req["high"], dim, 1000 + seed, req["trials"])
            done = sorted((t for t in prior.trials if t.value is not None), key=lambda t: t.value)
            best = [t.params for t in done[: req["enqueue"]]]
            study = run(new, req["low"], req["high"], dim, seed, req["trials"], best)
            curves[str(seed)] = [t.value for t in study.trials]
        out["pairs"][pair["name"]] = curves
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
