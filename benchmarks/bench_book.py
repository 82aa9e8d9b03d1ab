"""Time the book's cold build, warm rebuild and full test suite on this machine.

Run inside the project's environment (`make bench`, or `.venv/bin/python
benchmarks/bench_book.py`). Writes benchmarks/results/book.md. Targets for the finished book
(issue "Book foundation"): cold build under 5 minutes, the full test command under 15.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from machine import cpu_model  # benchmarks/machine.py (scripts run from this folder)

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENV = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}")


NOTES = "## Other measurements"


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    cold = timed([sys.executable, "tools/build_book.py"])
    warm = timed([sys.executable, "tools/build_book.py"])
    # the pytest command of `make test`
    tests = timed([sys.executable, "-m", "pytest", "-q", "tests", "lib", "chapters", "library", "--doctest-modules",
                   "--nbval-lax", "--nbval-current-env", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg"])
    chapters = len(list((ROOT / "chapters").glob("*.ipynb")))
    rows = [
        ("cold build (`tools/build_book.py` after removing `_build/`)", cold, 300),
        ("warm rebuild (nothing changed)", warm, None),
        ("test suite (the pytest command of `make test`, book already built)", tests, 900),
    ]
    lines = [
        "# Book build and test timings",
        "",
        f"Measured {date.today().isoformat()} on {os.cpu_count()} cores ({cpu_model()}), Python "
        f"{platform.python_version()}, {chapters} chapter notebook(s). Produced by `benchmarks/bench_book.py`.",
        "",
        "| what | seconds | target |",
        "|---|---:|---:|",
    ]
    for name, secs, target in rows:
        lines.append(f"| {name} | {secs:.1f} | {'< ' + str(target) if target else '-'} |")
    lines += [
        "",
        "`make test` = set-up (a no-op when the environment is current) + `make book` + the test suite;",
        "on a fresh machine add the one-off installation of the environment and of chromium.",
    ]
    out = ROOT / "benchmarks" / "results" / "book.md"
    # measurements made by hand (CI, make pdf, make student) follow NOTES and are kept
    old = out.read_text() if out.exists() else ""
    kept = old[old.index(NOTES):] if NOTES in old else ""
    out.write_text("\n".join(lines) + "\n" + ("\n" + kept if kept else ""))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
