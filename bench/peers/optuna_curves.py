# What the Optuna peers of bench/samplers.ts and bench/subsets.ts share: a sampler by the name the
# benchmark sends, and the ask/tell loop that records the best value after each trial (the curves
# both benchmarks compare with ours). Imported by those peers from this folder; /usr/bin/python3.
import math

import optuna


def make_sampler(kind, seed):
    """Optuna's sampler for `kind` ("random" or "tpe"), default settings, seeded."""
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if kind == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    raise ValueError(kind)


def best_curve(kind, seed, direction, trials, objective):
    """Runs `trials` ask/tell rounds of objective(trial) in a fresh in-memory study; returns the best
    value so far after each round."""
    study = optuna.create_study(direction=direction, sampler=make_sampler(kind, seed))
    minimize = direction == "minimize"
    best = math.inf if minimize else -math.inf
    curve = []
    for _ in range(trials):
        trial = study.ask()
        value = objective(trial)
        study.tell(trial, value)
        best = min(best, value) if minimize else max(best, value)
        curve.append(best)
    return curve
