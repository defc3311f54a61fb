"""Checks the committed notebooks: valid nbformat 4, executed top to bottom in one run
(code cells numbered 1, 2, 3, ... with no gaps), no error outputs, the kit's kernel
in their metadata, and a PNG beside every plotly figure (so viewers without plotly.js,
GitHub's among them, still show the charts; scripts/figure_png.py draws them). Prints one line per notebook and "N passed, N failed" last.

    /usr/bin/python3 scripts/check_notebooks.py [notebook.ipynb ...]
"""
import pathlib
import sys

import nbformat

ROOT = pathlib.Path(__file__).resolve().parent.parent


def problems(path):
    try:
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        nbformat.validate(nb)
    except Exception as e:
        return [f"not valid nbformat: {str(e).splitlines()[0]}"]
    found = []
    if nb.nbformat != 4:
        found.append(f"nbformat {nb.nbformat}, expected 4")
    if nb.metadata.get("kernelspec", {}).get("name") != "research-csharp":
        found.append("kernelspec is not research-csharp")
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.get("execution_count") for c in code]
    if counts != list(range(1, len(code) + 1)):
        found.append(f"not executed in order: execution counts {counts}")
    for k, c in enumerate(code):
        if any(o.get("output_type") == "error" for o in c.get("outputs", [])):
            found.append(f"code cell {k + 1} has an error output")
        figures = [o for o in c.get("outputs", []) if "application/vnd.plotly.v1+json" in o.get("data", {})]
        if any("image/png" not in o["data"] for o in figures):
            found.append(f"code cell {k + 1} has a figure without its PNG (run scripts/figure_png.py on the notebook)")
    return found


def main():
    paths = [pathlib.Path(p) for p in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    failed = 0
    for path in paths:
        found = problems(path)
        failed += bool(found)
        print(f"{path.name}: {'ok' if not found else '; '.join(found)}")
    print(f"{len(paths) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
