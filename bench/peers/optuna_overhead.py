# Peer of bench/overhead.ts: Optuna's TPESampler with SQLite file storage, ask/tell on a trivial
# objective; reports wall and CPU milliseconds per trial over ranges of trial numbers.
# Reads {"trials", "dims", "seed", "ranges": [[first, last], ...], "dir"} on stdin; prints JSON.
# Run with /usr/bin/python3 (Debian optuna).
import json
import os
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def main():
    request = json.load(sys.stdin)
    path = os.path.join(request["dir"], "optuna-overhead.db")
    study = optuna.create_study(
        storage=f"sqlite:///{path}",
        sampler=optuna.samplers.TPESampler(seed=request["seed"]),
        direction="minimize",
    )
    dims = request["dims"]
    wall = []
    cpu = []
    for _ in range(request["trials"]):
        w0 = time.perf_counter()
        c0 = time.process_time()
        trial = study.ask()
        value = sum(trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(dims))
        study.tell(trial, value)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    ranges = []
    for first, last in request["ranges"]:
        n = last - first + 1
        ranges.append(
            {
                "first": first,
                "last": last,
                "wallMs": 1000 * sum(wall[first - 1 : last]) / n,
                "cpuMs": 1000 * sum(cpu[first - 1 : last]) / n,
            }
        )
    json.dump({"optuna": optuna.__version__, "ranges": ranges}, sys.stdout)


if __name__ == "__main__":
    main()
