"""CPU cost of one login's password check: argon2id with the configured parameters against the old ones.

usage: python bench/login_cost.py [--quick] [--repeat N] [--logins N] [--database-url postgresql+psycopg://…]
                                  [--memory-kib M --time-cost T --parallelism P]

1. argon2 alone: hashes a password once with each parameter set, then verifies it N times (default 20, 5 with
   --quick), timing the process's CPU (`time.process_time`, all threads: argon2 lanes run on threads) and the
   wall clock. "configured" is what `app.config.load_config` gives with the environment's ARGON2_* settings,
   i.e. what a login costs in production; "old" is 64 MiB × 3 passes × 4 lanes, the default before issue 17;
   a further set can be given on the command line.
2. Whole logins: POST /login through the Flask test client (fresh cookies each, one account each) on a fresh
   database (`bench/databases.py`: SQLite, or the PostgreSQL database at --database-url, which is emptied),
   N logins (default 40, 10 with --quick) of each kind: with the configured parameters and a hash made with
   them (every login but an account's first after a change); with the configured parameters and a hash made
   with the old ones (verify + rehash: once per account); with the old parameters throughout (before issue 17).
   CPU is this process's: the app, the client and SQLite (PostgreSQL's own CPU is not counted).
`uptime` is printed before and after, since the machine is shared.
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


def whole_logins(database_url: str | None, logins: int) -> dict:
    from app.accounts.models import User, UserRole
    from app.core.roles import Role
    from app.extensions import db
    from bench.databases import fresh_app

    with tempfile.TemporaryDirectory() as folder:
        app = fresh_app(database_url, Path(folder))
        app.config.update(WTF_CSRF_ENABLED=False, LOGIN_LIMIT_PER_IP="100000 per minute")
        now, old = configured(), OLD
        kinds = {  # name: (parameters of the stored hash, parameters configured during the login)
            "configured": (now, now), "rehash_from_old": (old, now), "old": (old, old),
        }
        with app.app_context():
            for kind, (stored, _) in kinds.items():
                password_hash = PasswordHasher(**stored).hash(PASSWORD)
                for i in range(logins):
                    user = User(staff_no=f"{kind}-{i}", name=f"考生{i}", password_hash=password_hash)
                    user.role_rows = [UserRole(role=Role.COLLECTOR.value)]
                    db.session.add(user)
            db.session.commit()
            db.session.remove()
        figures = {}
        for kind, (_, during) in kinds.items():
            app.config.update(ARGON2_MEMORY_KIB=during["memory_cost"], ARGON2_TIME_COST=during["time_cost"],
                              ARGON2_PARALLELISM=during["parallelism"])
            cpu, wall = time.process_time(), time.perf_counter()
            for i in range(logins):
                response = app.test_client().post("/login", data={"staff_no": f"{kind}-{i}", "password": PASSWORD})
                assert response.status_code == 302, f"{kind}-{i} could not log in"
            figures[kind] = {"login_cpu_ms": round((time.process_time() - cpu) / logins * 1000, 1),
                             "login_wall_ms": round((time.perf_counter() - wall) / logins * 1000, 1)}
        with app.app_context():
            rehashed = db.session.scalars(db.select(User.password_hash).where(User.staff_no.like("rehash%"))).all()
            figures["rehash_from_old"]["rehashed"] = sum(f"m={now['memory_cost']}," in h for h in rehashed)
            figures["database"] = db.engine.dialect.name
            db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int)
    parser.add_argument("--memory-kib", type=int)
    parser.add_argument("--time-cost", type=int)
    parser.add_argument("--parallelism", type=int)
    parser.add_argument("--logins", type=int)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    repeat = args.repeat or (5 if args.quick else 20)
    logins = args.logins or (10 if args.quick else 40)
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
    whole = whole_logins(args.database_url, logins)
    for kind in ("configured", "rehash_from_old", "old"):
        figures = whole[kind]
        print(f"whole login, {kind:>15}: {figures['login_cpu_ms']:7.1f} ms CPU ({figures['login_wall_ms']:.1f} ms "
              f"wall, mean of {logins}, {whole['database']})")
    print(f"accounts rehashed to the configured parameters by their login: {whole['rehash_from_old']['rehashed']} "
          f"of {logins}")
    results["whole_login"] = whole
    end = uptime()
    print(f"uptime at end: {end}")
    print(json.dumps({"uptime_start": start, "uptime_end": end, **results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
