# Peer of bench/samplers.ts: Optuna's RandomSampler and TPESampler (default settings) on the same
# test functions. Reads a JSON request on stdin, prints one JSON object on stdout: for each function,
# sampler and seed, the best value found after each trial. Run with /usr/bin/python3 (Debian optuna).
import json
import math
import sys
import time

import optuna
from optuna_curves import best_curve

optuna.logging.set_verbosity(optuna.logging.WARNING)


def branin(x):
    x1, x2 = x
    a, b, c, r, s, t = 1.0, 5.1 / (4 * math.pi ** 2), 5 / math.pi, 6.0, 10.0, 1 / (8 * math.pi)
    return a * (x2 - b * x1 ** 2 + c * x1 - r) ** 2 + s * (1 - t) * math.cos(x1) + s


def goldstein_price(x):
    x1, x2 = x
    a = 1 + (x1 + x2 + 1) ** 2 * (19 - 14 * x1 + 3 * x1 ** 2 - 14 * x2 + 6 * x1 * x2 + 3 * x2 ** 2)
    b = 30 + (2 * x1 - 3 * x2) ** 2 * (18 - 32 * x1 + 12 * x1 ** 2 + 48 * x2 - 36 * x1 * x2 + 27 * x2 ** 2)
    return a * b


H6_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
H6_P = [
    [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
    [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
    [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
    [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
]
H6_ALPHA = [1.0, 1.2, 3.0, 3.2]


def hartmann6(x):
    total = 0.0
    for i in range(4):
        inner = sum(H6_A[i][j] * (x[j] - H6_P[i][j]) ** 2 for j in range(6))
        total -= H6_ALPHA[i] * math.exp(-inner)
    return total


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def ackley(x):
    d = len(x)
    s1 = sum(v * v for v in x) / d
    s2 = sum(math.cos(2 * math.pi * v) for v in x) / d
    return -20 * math.exp(-0.2 * math.sqrt(s1)) - math.exp(s2) + 20 + math.e


FUNCTIONS = {
    "branin": branin,
    "goldstein_price": goldstein_price,
    "hartmann6": hartmann6,
    "rosenbrock4": rosenbrock,
    "ackley5": ackley,
}


def run(fn_spec, kind, seed, trials):
    fn = FUNCTIONS[fn_spec["name"]]
    bounds = fn_spec["bounds"]

    def objective(trial):
        x = [trial.suggest_float(f"x{i}", lo, hi) for i, (lo, hi) in enumerate(bounds)]
        return fn(x)

    return best_curve(kind, seed, "minimize", trials, objective)


def main():
    request = json.load(sys.stdin)
    out = {"optuna": optuna.__version__, "results": []}
    for fn_spec in request["functions"]:
        for kind in request["samplers"]:
            start = time.perf_counter()
            curves = [run(fn_spec, kind, seed, request["trials"]) for seed in request["seeds"]]
            out["results"].append(
                {"function": fn_spec["name"], "sampler": kind, "curves": curves, "seconds": time.perf_counter() - start}
            )
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
