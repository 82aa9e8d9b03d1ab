"""Execute chapter notebooks and store only the outputs that nbval compares.

Committed notebooks keep the text outputs of the cells tagged ``nbval-check-output`` (the
numbers the text relies on) and nothing else: no images, no HTML, no widget state, so diffs
stay small and reviewable. Every other cell is stored unexecuted (``execution_count`` null),
which nbval runs but does not compare (shared/reference/toolchain-facts.md, section 5).

    python tools/store_outputs.py chapters/*.ipynb          # execute and store
    python tools/store_outputs.py --check chapters/*.ipynb  # verify the stored form only
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

CHECK_TAG = "nbval-check-output"
TEXT_MIME = "text/plain"


def is_checked(cell: nbformat.NotebookNode) -> bool:
    return CHECK_TAG in cell.get("metadata", {}).get("tags", [])


def keep_text(outputs: list) -> list:
    """The text part of a cell's outputs: streams and the text/plain of results."""
    kept = []
    for out in outputs:
        if out["output_type"] == "stream":
            kept.append(out)
        elif out["output_type"] in ("execute_result", "display_data") and TEXT_MIME in out.get("data", {}):
            out["data"] = {TEXT_MIME: out["data"][TEXT_MIME]}
            out["metadata"] = {}
            kept.append(out)
        elif out["output_type"] == "error":
            raise RuntimeError(f"cell raised {out['ename']}: {out['evalue']}")
    return kept


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Reduce an executed notebook to its stored form (in place)."""
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)  # execution timestamps: noise in every diff
        if is_checked(cell):
            count += 1
            cell.outputs = keep_text(cell.outputs)
            cell.execution_count = count
            for out in cell.outputs:
                if out["output_type"] == "execute_result":
                    out["execution_count"] = count
        else:
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    return nb


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """What is wrong with a notebook's stored form (empty when it is right)."""
    found = []
    if "widgets" in nb.metadata:
        found.append("notebook metadata holds widget state")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if "execution" in cell.metadata:
            found.append(f"cell {i} stores execution timestamps in its metadata")
        if is_checked(cell):
            if cell.execution_count is None or not cell.outputs:
                found.append(f"cell {i} is tagged {CHECK_TAG} but has no stored output (run tools/store_outputs.py)")
            for out in cell.outputs:
                extra = set(out.get("data", {})) - {TEXT_MIME}
                if extra:
                    found.append(f"cell {i} stores non-text output {sorted(extra)}")
        elif cell.outputs or cell.execution_count is not None:
            found.append(f"cell {i} is not tagged {CHECK_TAG} but stores outputs or an execution count")
    return found


def store(path: Path, timeout: int = 600) -> None:
    nb = nbformat.read(path, as_version=4)
    env_build = os.environ.pop("DEEPLINEAR_BUILD", None)  # store the live form, as nbval runs it
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        if env_build is not None:
            os.environ["DEEPLINEAR_BUILD"] = env_build
    nbformat.write(strip(nb), path)
    print(f"stored {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="only verify the stored form")
    args = parser.parse_args(argv)
    status = 0
    for path in args.notebooks:
        if args.check:
            for p in problems(nbformat.read(path, as_version=4)):
                print(f"{path}: {p}")
                status = 1
        else:
            store(path)
    return status


if __name__ == "__main__":
    sys.exit(main())
