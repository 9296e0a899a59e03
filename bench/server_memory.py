"""Memory of the production server: gunicorn with gunicorn.conf.py, with and without preloading the app.

usage: python bench/server_memory.py [--workers 5] [--requests 200]

Builds the demo database (SQLite, `flask --app wsgi demo`) in a temporary folder, starts gunicorn on it twice
(GUNICORN_PRELOAD=false, then true), signs in as a collector and a trainer and loads their pages until every
worker has served a few, then adds up /proc/<pid>/smaps_rollup over the master and its workers: RSS counts shared
pages once per process, PSS shares them out (what the tree really costs), USS is what killing the tree frees.
"""

import argparse
import http.client
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.exam_day import Server  # noqa: E402

PAGES = ("/", "/exams/my", "/training/my", "/exams/", "/banks/", "/hr")


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            if parent == pid:
                found.append(int(entry))
    return found


def tree_memory(master: int) -> dict[str, float]:
    """MiB of RSS, PSS and USS summed over the master and its workers."""
    totals = {"Rss": 0, "Pss": 0, "Private_Clean": 0, "Private_Dirty": 0}
    pids = [master, *_children(master)]
    for pid in pids:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key = line.split(":")[0]
            if key in totals:
                totals[key] += int(line.split()[1])
    mib = {key: value / 1024 for key, value in totals.items()}
    return {"processes": len(pids), "rss": mib["Rss"], "pss": mib["Pss"],
            "uss": mib["Private_Clean"] + mib["Private_Dirty"]}


def _browse(port: int, staff_no: str, requests: int) -> None:
    """Sign in and load pages on fresh connections (a sync worker serves one connection, so they spread)."""
    def get(path: str, cookie: str = "") -> tuple[int, str, str]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        connection.close()
        return response.status, body, response.getheader("Set-Cookie") or ""

    _status, page, set_cookie = get("/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    cookie = set_cookie.split(";", 1)[0]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("POST", "/login", body=urlencode({"csrf_token": token, "staff_no": staff_no,
                                                         "password": "Demo@2026"}),
                       headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    response.read()
    cookie = (response.getheader("Set-Cookie") or set_cookie).split(";", 1)[0]
    connection.close()
    for number in range(requests):
        get(PAGES[number % len(PAGES)], cookie)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200, help="page loads per signed-in person")
    args = parser.parse_args()
    with open("/proc/loadavg") as handle:
        print("load at start:", handle.read().split()[0])
    with tempfile.TemporaryDirectory(prefix="toll-memory-") as folder:
        folder = Path(folder)
        url = f"sqlite:///{folder / 'demo.db'}"
        env = {**os.environ, "DATABASE_URL": url, "INSTANCE_PATH": str(folder / "instance"), "SECRET_KEY": "bench"}
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "demo"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        print(f"{'preload':<8} {'procs':>5} {'RSS MiB':>8} {'PSS MiB':>8} {'USS MiB':>8}")
        for preload in ("false", "true"):
            os.environ["GUNICORN_PRELOAD"] = preload
            server = Server(url, folder, "wsgi:app", "/login", args.workers)
            try:
                for staff_no in ("c0001", "trainer01"):
                    _browse(server.port, staff_no, args.requests)
                time.sleep(1)
                figures = tree_memory(server.process.pid)
            finally:
                server.stop()
            print(f"{preload:<8} {figures['processes']:>5} {figures['rss']:>8.0f} {figures['pss']:>8.0f} "
                  f"{figures['uss']:>8.0f}")


if __name__ == "__main__":
    main()
