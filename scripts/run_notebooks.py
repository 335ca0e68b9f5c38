#!/usr/bin/env python3
"""Execute the workshop notebooks headlessly with the Rust kernel (evcxr) and judge every cell.

Usage: run_notebooks.py --out DIR [--summary FILE] NOTEBOOK...

Why a scanner: evcxr reports a panic or a `?` error inside a cell on stderr and still tells
Jupyter the cell succeeded, so nbconvert alone would exit 0. A cell counts as failed when it has
an error output, or any stderr text (evcxr's `?` errors carry no prefix we could match on), or a
stdout line saying "panicked at".

A cell may say what it expects in its metadata, for notebooks that test the kernel itself:
`"workshop": {"expect": "panic"}` (the cell must panic), `"workshop": {"expect": "interrupt",
"interrupt_after": SECONDS}` (the executor interrupts the kernel after SECONDS, as a user's stop
button does, and the cell must have been interrupted).

Writes DIR/NAME.ipynb (executed) and DIR/NAME.html, prints one line per notebook, and exits 1
when any cell failed.
"""

import argparse
import re
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter
from jupyter_core.utils import ensure_async
from nbformat.v4 import new_code_cell, output_from_msg
from queue import Empty

PANIC_MARKERS = ("panicked at", "EVCXR_PANIC")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# evcxr forwards a cell's stderr asynchronously and tags it with the *latest* execute request, so
# a `?` error of the last cell would arrive after the notebook finished. One extra cell at the end
# catches it; its outputs are then moved back to the last real cell.
FLUSH_SOURCE = "// workshop: catches stderr that evcxr forwards after the last cell has finished"


def log(message: str) -> None:
    print(message, flush=True)


def fmt_secs(secs: float) -> str:
    if secs < 60:
        return f"{secs:.1f}s"
    return f"{int(secs // 60)}m{int(secs % 60):02d}s"


def building_now(tmpdir: str | None) -> str | None:
    """Name of the crate evcxr compiled most recently (newest fingerprint dir), for progress lines."""
    if not tmpdir:
        return None
    newest, name = 0.0, None
    for fp in Path(tmpdir).glob("**/target/*/.fingerprint"):
        try:
            for entry in os.scandir(fp):
                mtime = entry.stat().st_mtime
                if mtime > newest:
                    newest, name = mtime, entry.name
        except OSError:
            continue
    if name is None or time.time() - newest > 60:
        return None
    # "aws-sdk-bedrockruntime-1a2b3c4d" -> "aws-sdk-bedrockruntime"
    return name.rsplit("-", 1)[0]


class Progress:
    """Prints what is running, and for how long, while a slow cell executes."""

    def __init__(self, name: str, total: int, every: float):
        self.name, self.total, self.every = name, total, every
        self.index = 0
        self.label = ""
        self.started = time.monotonic()
        self.cell_started = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.wait(self.every):
            if self.cell_started is None:
                continue
            elapsed = time.monotonic() - self.cell_started
            if elapsed < self.every:
                continue
            building = building_now(os.environ.get("EVCXR_TMPDIR"))
            what = f", compiling {building}" if building else ""
            log(
                f"  .. {self.name}: cell {self.index}/{self.total} ({self.label}) running for "
                f"{fmt_secs(elapsed)}{what}; notebook {fmt_secs(time.monotonic() - self.started)} so far"
            )


def workshop_meta(cell) -> dict:
    """The executor's instructions in a cell's metadata (none for workshop notebooks)."""
    return cell.get("metadata", {}).get("workshop", {})


class DrainingClient(NotebookClient):
    """A NotebookClient that waits briefly after each cell for output evcxr forwards late.

    evcxr copies the child process's stderr to Jupyter from a separate thread. A line that is
    forwarded after the cell reported "idle" but before the next cell starts is tagged with the
    finished cell, and plain nbclient drops it: a `?` error would vanish without a trace.
    """

    drain_seconds = 0.05

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        result = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        if cell.cell_type == "code" and self.kc is not None:
            while True:
                try:
                    msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=self.drain_seconds))
                except Empty:
                    break
                if msg["msg_type"] == "stream":
                    cell.outputs.append(output_from_msg(msg))
        return result

    async def _async_handle_timeout(self, timeout, cell=None):
        # A cell that asks to be interrupted is, like a user pressing stop; evcxr then kills its
        # process and starts a new one. Any other timeout fails as nbclient's does.
        if cell is not None and workshop_meta(cell).get("interrupt_after"):
            cell.metadata["workshop_interrupted"] = True
            await ensure_async(self.km.interrupt_kernel())
            return None
        return await super()._async_handle_timeout(timeout, cell)


def cell_problems(cell) -> list[str]:
    """Why a code cell failed, judged from its outputs and what it expected (empty when it
    succeeded)."""
    expect = workshop_meta(cell).get("expect")
    if expect == "panic":
        texts = [out.get("text", "") for out in cell.get("outputs", []) if out.get("output_type") == "stream"]
        panicked = any(marker in text for text in texts for marker in PANIC_MARKERS)
        return [] if panicked else ["expected a panic, and the cell did not panic"]
    if expect == "interrupt":
        interrupted = cell.get("metadata", {}).get("workshop_interrupted", False)
        return [] if interrupted else ["expected to be interrupted, and the cell finished first"]
    problems = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "error":
            text = ANSI.sub("", "\n".join(out.get("traceback", [])) or out.get("evalue", ""))
            problems.append(f"error: {out.get('ename', '')} {text}".strip())
        elif kind == "stream":
            text = out.get("text", "")
            if out.get("name") == "stderr" and text.strip():
                problems.append(f"stderr (evcxr may forward it one cell late): {text.strip()}")
            elif any(marker in text for marker in PANIC_MARKERS):
                problems.append(f"panic: {text.strip()}")
    return problems


def first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip() and not line.startswith("//"):
            return line.strip()[:40]
    return ""


def run_one(path: Path, out_dir: Path, args) -> dict:
    nb = nbformat.read(path, as_version=4)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    flush = new_code_cell(FLUSH_SOURCE)
    nb.cells.append(flush)
    numbers = {id(c): n for n, c in enumerate(code_cells, start=1)}
    progress = Progress(path.name, len(code_cells), args.progress_every)
    timings: list[float] = []
    starts: dict[int, float] = {}

    def on_cell_execute(cell, cell_index, **_):
        progress.index = numbers.get(id(cell), 0)
        progress.label = first_line(cell.source)
        starts[cell_index] = time.monotonic()
        progress.cell_started = starts[cell_index]

    def on_cell_executed(cell, cell_index, **_):
        progress.cell_started = None
        if cell_index in starts and id(cell) in numbers:
            cell.metadata["workshop_seconds"] = round(time.monotonic() - starts[cell_index], 3)
            timings.append(cell.metadata["workshop_seconds"])

    client = DrainingClient(
        nb,
        kernel_name=args.kernel,
        timeout=args.cell_timeout,
        timeout_func=lambda cell: workshop_meta(cell).get("interrupt_after") or args.cell_timeout,
        startup_timeout=args.startup_timeout,
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent.resolve())}},
        on_cell_execute=on_cell_execute,
        on_cell_executed=on_cell_executed,
    )
    aborted = None
    started = time.monotonic()
    progress.thread.start()
    # The kernel process's own chatter (evcxr's "Loading startup configuration ...") goes to a
    # log beside the outputs, not into the one-line-per-notebook report; cell output is unaffected
    # (it travels over Jupyter's messages, not the process's stderr).
    args.out.mkdir(parents=True, exist_ok=True)
    kernel_log_path = args.out / f"{path.stem}.kernel.log"
    try:
        with open(kernel_log_path, "w") as kernel_log:
            client.execute(stdout=kernel_log, stderr=kernel_log)
    except (CellTimeoutError, DeadKernelError) as exc:
        aborted = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''} (kernel log: {kernel_log_path})"
    except Exception as exc:  # kernel failed to start, etc.: report, do not hide
        aborted = f"{type(exc).__name__}: {exc} (kernel log: {kernel_log_path})"
    finally:
        progress.stop.set()
    total = time.monotonic() - started
    nb.cells.remove(flush)
    if code_cells and flush.get("outputs"):
        code_cells[-1].outputs.extend(flush.outputs)

    failures = []
    executed = 0
    for number, cell in enumerate(code_cells, start=1):
        if cell.get("execution_count") is None and not cell.get("outputs"):
            continue
        executed += 1
        problems = cell_problems(cell)
        if problems:
            failures.append({"cell": number, "source": cell.source, "problems": problems})
    if aborted:
        failures.append({"cell": progress.index, "source": progress.label, "problems": [aborted]})

    out_dir.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out_dir / path.name)
    html, _ = HTMLExporter().from_notebook_node(nb)
    (out_dir / path.with_suffix(".html").name).write_text(html, encoding="utf-8")

    median = statistics.median(timings) if timings else 0.0
    worst = max(timings) if timings else 0.0
    status = "ok" if not failures else "FAILED"
    log(
        f"{path.name}: {len(code_cells)} cells, {executed} run, {len(failures)} failed, "
        f"{fmt_secs(total)} (median cell {median:.2f}s, worst {worst:.1f}s) {status}"
    )
    for failure in failures:
        log(f"    cell {failure['cell']} ({first_line(failure['source'])}):")
        for problem in failure["problems"]:
            for line in problem.splitlines()[:12]:
                log(f"      {line}")
    return {
        "notebook": path.name,
        "cells": len(code_cells),
        "executed": executed,
        "failures": failures,
        "seconds": round(total, 3),
        "cell_seconds": timings,
        "executed_path": str((out_dir / path.name).resolve()),
        "html_path": str((out_dir / path.with_suffix(".html").name).resolve()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--summary", type=Path, help="write a JSON summary here")
    parser.add_argument("--kernel", default="rust")
    parser.add_argument("--cell-timeout", type=int, default=3600, help="seconds; the first :dep build is long")
    parser.add_argument("--startup-timeout", type=int, default=180)
    parser.add_argument("--progress-every", type=float, default=30.0)
    args = parser.parse_args()

    results = [run_one(path, args.out, args) for path in args.notebooks]
    if args.summary:
        args.summary.parent.mkdir(parents=True, exist_ok=True)
        args.summary.write_text(json.dumps({"notebooks": results}, indent=2), encoding="utf-8")
    failed = sum(len(r["failures"]) for r in results)
    cells = sum(r["cells"] for r in results)
    log(f"notebooks: {len(results)} run, {cells} cells, {failed} failed cells; outputs in {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
