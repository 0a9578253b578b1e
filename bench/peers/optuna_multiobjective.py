# Peer of bench/multiobjective.ts: Optuna's NSGAIISampler and TPESampler (MOTPE: TPE with several
# directions), default settings, on ZDT1/2/3 and DTLZ2 as bench/mo-problems.ts defines them. Reads a
# JSON request on stdin ({problems: [{name, dim, objectives}], seeds, trials, samplers}), prints one
# JSON object: per problem, sampler and seed, every trial's objective values in trial order (the
# TypeScript side computes the hypervolume with the same code as ours) and the CPU seconds per study;
# and the problems' values at the request's `check` points (the two implementations cross-checked).
# Run with /usr/bin/python3 (Debian's optuna 3.1).
import json
import math
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def zdt_g(x):
    return 1 + 9 * sum(x[1:]) / (len(x) - 1)


def zdt1(x):
    g = zdt_g(x)
    return [x[0], g * (1 - math.sqrt(x[0] / g))]


def zdt2(x):
    g = zdt_g(x)
    return [x[0], g * (1 - (x[0] / g) ** 2)]


def zdt3(x):
    g = zdt_g(x)
    return [x[0], g * (1 - math.sqrt(x[0] / g) - (x[0] / g) * math.sin(10 * math.pi * x[0]))]


def dtlz2(x):
    g = sum((v - 0.5) ** 2 for v in x[2:])
    a, b = x[0] * math.pi / 2, x[1] * math.pi / 2
    return [(1 + g) * math.cos(a) * math.cos(b), (1 + g) * math.cos(a) * math.sin(b), (1 + g) * math.sin(a)]


FUNCTIONS = {"zdt1": zdt1, "zdt2": zdt2, "zdt3": zdt3, "dtlz2": dtlz2}


def make_sampler(kind, seed):
    if kind == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed)
    if kind == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    raise ValueError(kind)


def run(problem, kind, seed, trials):
    f = FUNCTIONS[problem["name"].split("_")[0]]
    dim = problem["dim"]
    study = optuna.create_study(directions=["minimize"] * problem["objectives"], sampler=make_sampler(kind, seed))

    def objective(trial):
        return f([trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(dim)])

    started = time.process_time()
    study.optimize(objective, n_trials=trials)
    seconds = time.process_time() - started
    trials_sorted = sorted(study.trials, key=lambda t: t.number)
    return [t.values for t in trials_sorted], seconds


def main():
    request = json.load(sys.stdin)
    results = []
    for problem in request["problems"]:
        for kind in request["samplers"]:
            for seed in request["seeds"]:
                values, seconds = run(problem, kind, seed, request["trials"])
                results.append({"problem": problem["name"], "sampler": kind, "seed": seed, "values": values, "cpu_s": seconds})
    # The same problems in both languages: their values at the points the TypeScript side sent.
    check = {name: [FUNCTIONS[name.split("_")[0]](x) for x in points] for name, points in request.get("check", {}).items()}
    print(json.dumps({"optuna": optuna.__version__, "results": results, "check": check}))


if __name__ == "__main__":
    main()
