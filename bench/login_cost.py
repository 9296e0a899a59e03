"""CPU cost of one login's password check: argon2id with the configured parameters against the old ones.

usage: python bench/login_cost.py [--quick] [--repeat N] [--memory-kib M --time-cost T --parallelism P]

Hashes a password once with each parameter set, then verifies it N times (default 20, 5 with --quick),
timing the process's CPU (`time.process_time`, all threads: argon2 lanes run on threads) and the wall clock.
"configured" is what `app.config.load_config` gives with the environment's ARGON2_* settings, i.e. what a
login costs in production; "old" is 64 MiB × 3 passes × 4 lanes, the default before issue 17; a further
set can be given on the command line. A login is one verify (plus, once per account after a change of
parameters, one hash: the rehash on login). `uptime` is printed before and after, since the machine is shared.
No app or database: the figure is argon2 alone, the part of a login that dominates its CPU.
"""

import argparse
import json
import os
import subprocess  # nosec B404  # runs `uptime` only
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from argon2 import PasswordHasher  # noqa: E402

from app.config import load_config  # noqa: E402

OLD = {"memory_cost": 65536, "time_cost": 3, "parallelism": 4}
PASSWORD = "Kx7#mq2Lz9-考试"


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()  # noqa: S607


def configured() -> dict:
    with tempfile.TemporaryDirectory() as folder:
        config = load_config(folder)
    return {"memory_cost": config["ARGON2_MEMORY_KIB"], "time_cost": config["ARGON2_TIME_COST"],
            "parallelism": config["ARGON2_PARALLELISM"]}


def measure(parameters: dict, repeat: int) -> dict:
    hasher = PasswordHasher(**parameters)
    cpu, wall = time.process_time(), time.perf_counter()
    stored = hasher.hash(PASSWORD)
    hash_cpu, hash_wall = time.process_time() - cpu, time.perf_counter() - wall
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(repeat):
        hasher.verify(stored, PASSWORD)
    verify_cpu, verify_wall = (time.process_time() - cpu) / repeat, (time.perf_counter() - wall) / repeat
    return {
        "parameters": f"m={parameters['memory_cost']} KiB, t={parameters['time_cost']}, p={parameters['parallelism']}",
        "verify_cpu_ms": round(verify_cpu * 1000, 1), "verify_wall_ms": round(verify_wall * 1000, 1),
        "hash_cpu_ms": round(hash_cpu * 1000, 1), "hash_wall_ms": round(hash_wall * 1000, 1), "repeat": repeat,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int)
    parser.add_argument("--memory-kib", type=int)
    parser.add_argument("--time-cost", type=int)
    parser.add_argument("--parallelism", type=int)
    args = parser.parse_args()
    repeat = args.repeat or (5 if args.quick else 20)
    sets = {"configured": configured(), "old": OLD}
    if args.memory_kib or args.time_cost or args.parallelism:
        sets["given"] = {"memory_cost": args.memory_kib or OLD["memory_cost"],
                         "time_cost": args.time_cost or 2, "parallelism": args.parallelism or 1}
    start = uptime()
    print(f"uptime at start: {start}  (cpus: {os.cpu_count()})")
    results = {}
    for name, parameters in sets.items():
        results[name] = figures = measure(parameters, repeat)
        print(f"{name:>10}: {figures['parameters']:<28} verify {figures['verify_cpu_ms']:7.1f} ms CPU "
              f"({figures['verify_wall_ms']:.1f} ms wall, mean of {repeat}); hash {figures['hash_cpu_ms']:.1f} ms CPU")
    end = uptime()
    print(f"uptime at end: {end}")
    print(json.dumps({"uptime_start": start, "uptime_end": end, **results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
