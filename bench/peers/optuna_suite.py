# Peer of bench/samplers.ts: Optuna's samplers (TPESampler, and GPSampler where the Optuna has it;
# default settings, in-memory storage) on the benchmark's problems, which it reads as JSON on stdin:
# BBOB instances (bench/bbob.ts draws them; bbob.py evaluates), the five classic functions, the
# conditional mixed space and the subset instances. Prints one JSON object: per problem, sampler
# and seed the best value after each trial, the mean CPU milliseconds of each trial (ask, suggest, tell)
# over seeds, a longer single-seed cost run, and the values of the cross-check points.
# Runs under /usr/bin/python3 (Debian's Optuna 3.1) or /work/venv/bin/python (Optuna 5).
import json
import math
import sys
import time

import optuna

from bbob import bbob_value
from optuna_samplers import FUNCTIONS

optuna.logging.set_verbosity(optuna.logging.WARNING)


def mixed_value(p):
    """The conditional mixed problem (bench/suite-problems.ts has the same formula); minimum -0.02."""
    opt = p["optimizer"]
    width = math.log2(p["width"])
    if opt == "sgd":
        best_lr = -1 - 0.2 * (width - 7)
        extra = 2 * (p["momentum"] - 0.9) ** 2
        base = 0.0
    elif opt == "adam":
        best_lr, extra, base = -3 - 0.2 * (width - 7), 0.0, 0.05
    else:
        best_lr, extra, base = -3.5 - 0.2 * (width - 7), 0.0, 0.08
    act = {"relu": 0.0, "tanh": 0.05, "gelu": -0.02}[p["activation"]]
    return (
        base
        + extra
        + 0.3 * (math.log10(p["lr"]) - best_lr) ** 2
        + 0.05 * (p["layers"] - 3) ** 2
        + 0.025 * (width - 7) ** 2
        + (p["dropout"] - 0.2) ** 2 * (1 + 0.5 * p["layers"])
        + act
    )


def subset_value(inst, chosen):
    v = sum(inst["single"][i] for i in chosen)
    s = set(chosen)
    for i, j, gain in inst["pairs"]:
        if i in s and j in s:
            v += gain
    return v - inst["dilution"] * len(chosen) ** 2


def objective_of(problem, seed):
    kind = problem["kind"]
    if kind == "bbob":
        inst = problem["instances"][str(seed)] if "instances" in problem else problem["instance"]
        n = inst["dim"]
        return lambda t: bbob_value(inst, [t.suggest_float(f"x{i}", -5, 5) for i in range(n)])
    if kind == "classic":
        fn = FUNCTIONS[problem["function"]]
        bounds = problem["bounds"]
        return lambda t: fn([t.suggest_float(f"x{i}", lo, hi) for i, (lo, hi) in enumerate(bounds)])
    if kind == "mixed":

        def mixed(t):
            p = {"optimizer": t.suggest_categorical("optimizer", ["sgd", "adam", "rmsprop"])}
            p["lr"] = t.suggest_float("lr", 1e-5, 1.0, log=True)
            if p["optimizer"] == "sgd":
                p["momentum"] = t.suggest_float("momentum", 0.0, 0.99)
            p["layers"] = t.suggest_int("layers", 1, 6)
            p["width"] = t.suggest_int("width", 8, 512, log=True)
            p["dropout"] = t.suggest_float("dropout", 0.0, 0.5)
            p["activation"] = t.suggest_categorical("activation", ["relu", "tanh", "gelu"])
            return mixed_value(p)

        return mixed
    if kind == "subset":
        inst = problem["instances"][str(seed)]
        m = inst["sources"]
        return lambda t: -subset_value(inst, [i for i in range(m) if t.suggest_categorical(f"s{i}", [False, True])])
    raise ValueError(kind)


def make_sampler(kind, seed):
    if kind == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if kind == "gp":
        return optuna.samplers.GPSampler(seed=seed)
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError(kind)


def run(problem, kind, seed, trials):
    """Best value (minimised) after each trial, and each trial's milliseconds."""
    objective = objective_of(problem, seed)
    study = optuna.create_study(direction="minimize", sampler=make_sampler(kind, seed))
    best = math.inf
    curve, ms = [], []
    for _ in range(trials):
        # CPU time of this process (torch on one thread), as bench/samplers.ts measures ours.
        start = time.process_time()
        trial = study.ask()
        value = objective(trial)
        study.tell(trial, value)
        ms.append(1000 * (time.process_time() - start))
        best = min(best, value)
        curve.append(best)
    return curve, ms


def main():
    request = json.load(sys.stdin)
    samplers = [s for s in request["samplers"] if s != "gp" or hasattr(optuna.samplers, "GPSampler")]
    out = {"optuna": optuna.__version__, "samplers": samplers, "results": [], "cost": [], "check": {}}
    for name, points in request.get("check", {}).items():
        problem = next(p for p in request["all_problems"] if p["name"] == name)
        inst = problem["instances"][str(request["seeds"][0])] if "instances" in problem else problem.get("instance")
        if problem["kind"] == "bbob":
            out["check"][name] = [bbob_value(inst, x) for x in points]
        elif problem["kind"] == "mixed":
            out["check"][name] = [mixed_value(x) for x in points]
        elif problem["kind"] == "classic":
            out["check"][name] = [FUNCTIONS[problem["function"]](x) for x in points]
    for problem in request["problems"]:
        for kind in samplers:
            curves, ms = [], []
            for seed in request["seeds"]:
                curve, times = run(problem, kind, seed, request["trials"])
                curves.append(curve)
                ms.append(times)
            mean_ms = [sum(col) / len(col) for col in zip(*ms)]
            out["results"].append({"problem": problem["name"], "sampler": kind, "curves": curves, "ms": mean_ms})
    cost = request.get("cost")
    if cost:
        problem = next(p for p in request["all_problems"] if p["name"] == cost["problem"])
        for kind in samplers:
            _, times = run(problem, kind, request["seeds"][0], cost["trials"])
            out["cost"].append({"sampler": kind, "ms": times})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
