"""Executes notebooks headless with the kit's C# kernel, writes the executed copies and
their HTML reports, and prints a summary table. Called by `./research notebooks` and,
at the smoke budget, by `./research test`.

    /usr/bin/python3 scripts/run_notebooks.py [--budget smoke|quick|full] [--out DIR]
                                              [--in-place] [notebook.ipynb ...]

The budget reaches the notebooks as RESEARCH_BUDGET. A notebook's headline result is the
last stdout line of it that starts with "headline:". The exit status is 1 when any
notebook fails, and the last line reads "N passed, N failed".
"""
import argparse
import json
import os
import re
import pathlib
import subprocess
import sys
import time

import nbformat
from figure_png import add_png_fallbacks
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = pathlib.Path(__file__).resolve().parent.parent
KERNEL = "research-csharp"


def headline(nb):
    found = ""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stdout":
                for line in out.get("text", "").splitlines():
                    if line.startswith("headline:"):
                        found = line[len("headline:"):].strip()
    return found


def first_error(nb):
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return f"{out.get('ename')}: {out.get('evalue')}".splitlines()[0][:160]
    return "error"


# plotly.js (4.8 MB minified, docs/plotly-js.md) rides in the first figure of every executed
# notebook so it draws offline; a committed copy drops it, since the HTML reports carry
# their own and a notebook file should stay small enough to read and diff.
LIBRARY = re.compile(r'<script type="text/javascript" data-plotlyjs="[^"]*">.*?</script>', re.S)


def strip_plotly_library(nb):
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html")
            if isinstance(html, str) and "data-plotlyjs" in html:
                out["data"]["text/html"] = LIBRARY.sub("", html)
            elif isinstance(html, list) and any("data-plotlyjs" in part for part in html):
                out["data"]["text/html"] = LIBRARY.sub("", "".join(html))


def run(path, out_dir, in_place, cell_timeout):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=cell_timeout, allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.monotonic()
    status, detail = "ok", ""
    try:
        client.execute()
        detail = headline(nb)
    except CellExecutionError:
        status, detail = "FAILED", first_error(nb)
    except Exception as e:  # a kernel that dies or a timeout: report it, go on with the rest
        status, detail = "FAILED", f"{type(e).__name__}: {e}".splitlines()[0][:160]
    seconds = time.monotonic() - start
    target = out_dir / path.name
    write(nb, target)
    if in_place and status == "ok":
        committed = nbformat.from_dict(json.loads(json.dumps(nb)))
        strip_plotly_library(committed)
        add_png_fallbacks(committed)
        write(committed, path)
    return status, seconds, detail, target


def write(nb, target):
    tmp = target.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, target)


def kernel_of_another_checkout():
    """The kernelspec is per user, not per checkout: `./research setup` in another clone points it there, and this
    script would then run that clone's kernel. Returns the other kernel's path, or None when it is this checkout's."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    try:
        argv = KernelSpecManager().get_kernel_spec(KERNEL).argv
    except NoSuchKernel:
        return f"no {KERNEL} kernelspec"
    dll = next((a for a in argv if a.endswith(".dll")), "")
    return None if pathlib.Path(dll).resolve().is_relative_to(ROOT) else dll


def main():
    p = argparse.ArgumentParser()
    p.add_argument("notebooks", nargs="*")
    # No budget: each notebook shows its committed full-budget results when it has them (data/results/<notebook>/runs),
    # and trains at quick otherwise.
    p.add_argument("--budget", default=os.environ.get("RESEARCH_BUDGET") or None, choices=["smoke", "quick", "full"])
    p.add_argument("--out", default=str(ROOT / "out" / "notebooks"))
    p.add_argument("--in-place", action="store_true",
                   help="also write each executed notebook back over its source, without the inline plotly.js and with a PNG "
                        "beside each figure (to commit its outputs)")
    p.add_argument("--no-html", action="store_true")
    p.add_argument("--cell-timeout", type=int, default=3600)
    args = p.parse_args()

    other = kernel_of_another_checkout()
    if other:
        print(f"run_notebooks: the {KERNEL} kernel is not this checkout's ({other}); "
              f"`./research setup` here points it at {ROOT}", file=sys.stderr)
        return 2
    if args.budget:
        os.environ["RESEARCH_BUDGET"] = args.budget
    else:
        os.environ.pop("RESEARCH_BUDGET", None)
    budget_name = args.budget or "the default budget (committed results, else quick)"
    out_dir = pathlib.Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [pathlib.Path(n).resolve() for n in args.notebooks] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    if not paths:
        print("no notebooks found")
        print("0 passed, 0 failed")
        return 0

    rows, executed = [], []
    for path in paths:
        print(f"running {path.name} at {budget_name} ...", flush=True)
        status, seconds, detail, target = run(path, out_dir, args.in_place, args.cell_timeout)
        rows.append((path.name, status, seconds, detail))
        executed.append(target)

    if not args.no_html:
        subprocess.run(["bash", str(ROOT / "scripts" / "report.sh"), *map(str, executed), str(out_dir)], check=False)

    width = max(len(r[0]) for r in rows)
    print()
    print(f"{'notebook':<{width}}  {'status':<6}  {'time':>7}  headline")
    for name, status, seconds, detail in rows:
        print(f"{name:<{width}}  {status:<6}  {seconds:6.1f}s  {detail}")
    failed = sum(1 for r in rows if r[1] != "ok")
    print(f"\nexecuted notebooks and reports: {out_dir}")
    print(f"{len(rows) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
