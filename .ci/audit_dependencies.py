"""pip-audit of the installed virtualenv, for .ci/run: fails on a known vulnerability, and says so plainly when
the advisory data cannot be reached (a machine whose network reaches only a package mirror), instead of passing
silently with every dependency skipped.

Usage: .venv/bin/python .ci/audit_dependencies.py   (exit 1: a vulnerable dependency; exit 0 otherwise)
"""

import json
import subprocess
import sys
from pathlib import Path

PIP_AUDIT = Path(sys.executable).with_name("pip-audit")
COMMAND = [str(PIP_AUDIT), "--vulnerability-service", "pypi", "--skip-editable", "--format", "json",
           "--progress-spinner", "off"]


def main() -> int:
    result = subprocess.run(COMMAND, capture_output=True, text=True, timeout=600)  # noqa: S603 (fixed command)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"NOTE: pip-audit could not run against its vulnerability database ({last}); "
              "dependencies were NOT audited.")
        return 0
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    skipped = [d for d in dependencies if "skip_reason" in d]
    if not audited:
        reason = skipped[0]["skip_reason"] if skipped else "nothing installed"
        print(f"NOTE: pip-audit reached no vulnerability data: all {len(skipped)} dependencies were skipped "
              f"(e.g. {reason}); dependencies were NOT audited.")
        return 0
    found = [(d["name"], d["version"], v) for d in audited for v in d.get("vulns", [])]
    for name, version, vulnerability in found:
        fixed = ", ".join(vulnerability.get("fix_versions", [])) or "no fixed version"
        print(f"VULNERABLE: {name} {version}: {vulnerability['id']} (fixed in {fixed})")
    if skipped:
        print(f"NOTE: {len(skipped)} of {len(dependencies)} dependencies could not be audited: "
              + ", ".join(d["name"] for d in skipped))
    print(f"pip-audit: {len(audited)} dependencies audited, {len(found)} known vulnerabilities")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
