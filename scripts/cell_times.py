#!/usr/bin/env python3
"""Median seconds per cell tag of an executed notebook, and what its `memory` cell printed.

Usage: cell_times.py EXECUTED.ipynb...   (from `./workshop exec --out DIR ...`; BENCHMARKS.md)
"""
import json
import statistics
import sys


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            cells = [c for c in json.load(f)["cells"] if c["cell_type"] == "code"]
        by_tag: dict[str, list[float]] = {}
        memory = ""
        for cell in cells:
            seconds = cell["metadata"].get("workshop_seconds")
            tags = cell["metadata"].get("tags") or ["untagged"]
            if seconds is not None:
                by_tag.setdefault(tags[0], []).append(seconds)
            if "memory" in tags:
                memory = " ".join("".join("".join(o.get("text", "")) for o in cell["outputs"]).split())
        every = [s for times in by_tag.values() for s in times]
        parts = [f"{tag} {statistics.median(t):.2f} s (x{len(t)})" for tag, t in by_tag.items()]
        if every:
            parts.append(f"all {statistics.median(every):.2f} s")
        print(f"{path}: " + " · ".join(parts) + (f" · {memory}" if memory else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
