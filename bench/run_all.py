"""`make bench`: run every benchmark in bench/ (each a standalone script), one after another.

A benchmark is any bench/*.py other than this file; it gets the same environment
(DATABASE_URL, REDIS_URL, ...) and signals a failed check or missed target by a non-zero
exit code. Add a file, and `make bench` runs it. `bench/run_all.py NAME...` runs a subset.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover(only: list[str]) -> list[Path]:
    scripts = sorted(p for p in HERE.glob("*.py") if p.name != Path(__file__).name)
    if only:
        scripts = [p for p in scripts if p.stem in only]
    return [p for p in scripts if not p.name.startswith("_")]


def main(argv: list[str]) -> int:
    scripts = discover(argv)
    if not scripts:
        print("no benchmarks found" + (f" named {', '.join(argv)}" if argv else ""))
        return 1
    results = []
    for script in scripts:
        print(f"=== {script.stem} ===", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        results.append((script.stem, code, time.monotonic() - started))
        print(flush=True)
    print("=== summary ===")
    for name, code, seconds in results:
        print(f"  {name:<20} {'ok' if code == 0 else f'FAILED (exit {code})':<16} {seconds:6.1f} s")
    return 0 if all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
