"""The answer-saving model at scale: the Hypothesis state machine of tests/exams/test_answers_never_lost.py
(1–3 windows, lost and late requests, reloads, time-up, the deadline and the grace) run for many examples.

usage: python bench/answers_model.py [--examples N] [--database-url postgresql+psycopg://…]

Prints the number of examples run and, if the invariant broke, Hypothesis's shrunk counterexample (the
steps that lose an answer). `--database-url` runs it on that PostgreSQL database (it is emptied). Last line:
JSON with the examples, the seconds, the machine's load and whether a counterexample was found.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST = "tests/exams/test_answers_never_lost.py::test_no_acknowledged_answer_is_ever_lost"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--database-url", help="run on this PostgreSQL database instead of SQLite (emptied)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        env = {**os.environ, "EXAMS_MODEL_EXAMPLES": str(args.examples), "EXAMS_MODEL_REPORT": str(report)}
        if args.database_url:
            env["TEST_DATABASE_URL"] = args.database_url
        else:
            env.pop("TEST_DATABASE_URL", None)
        started = time.monotonic()
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", TEST], cwd=ROOT,
                             env=env, capture_output=True, text=True)
        seconds = round(time.monotonic() - started, 1)
        examples = json.loads(report.read_text())["examples"] if report.exists() else None
    failed = run.returncode != 0
    print(f"examples run: {examples} in {seconds} s on {'PostgreSQL' if args.database_url else 'SQLite'}; "
          f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    if failed:
        lines = run.stdout.splitlines()
        start = next((i for i, line in enumerate(lines) if "Falsifying example" in line or "state = " in line), 0)
        print("COUNTEREXAMPLE (the invariant broke):")
        print("\n".join(lines[start:start + 80]))
    else:
        print("no counterexample: every acknowledged answer stayed stored")
    print(json.dumps({"examples": examples, "seconds": seconds, "database": "postgresql" if args.database_url
                      else "sqlite", "counterexample": failed, "load_before": round(load_before[0], 2),
                      "load_after": round(os.getloadavg()[0], 2)}))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
